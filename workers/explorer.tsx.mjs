// The explorer worker when running from source (tests): Node 20 workers do not inherit the
// parent's `--import tsx` loader hooks, so register tsx here, then load the TypeScript entry.
// Built code (dist/) uses workers/explorer.js directly.
import { register } from 'tsx/esm/api';

register();
const mod = await import('./explorer.ts');
export default mod.default;
