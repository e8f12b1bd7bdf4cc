// The handoff benchmark worker from source: register tsx in the worker, then load the entry.
import { register } from 'tsx/esm/api';

register();
await import('./bench-handoff.ts');
