// The CPU worker when running from source (tests): Node 20 workers do not inherit the parent's
// `--import tsx` loader hooks, so register tsx here, then load the TypeScript entry.
// Built code (dist/) uses workers/cpu.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./cpu.ts');
