import { register } from 'node:module';

/**
 * `PACKAGE_EXPORTS` are the entry points of the pagerace package (package.json `exports`), as a
 * model file imports them.
 */
export const PACKAGE_EXPORTS = [
  'pagerace',
  'pagerace/kernel',
  'pagerace/x86',
  'pagerace/arm64',
  'pagerace/vitest',
] as const;

/**
 * `SOURCE_CONDITION` is the export condition that points each entry at its TypeScript source:
 * a pagerace running from source (tests, `tsx src/cli/bin.ts`) hands models the same modules it
 * runs itself, not a build that may be stale or missing.
 */
export const SOURCE_CONDITION = 'pagerace-source';

/**
 * The resolve hook, run in Node's loader thread (module.register), so it is plain JavaScript:
 * - `pagerace` and `pagerace/...` resolve as if imported from inside this package (package
 *   self-reference), whatever directory the model lives in: a model anywhere on disk gets the
 *   running checker's own modules, so its Violations, kinds and oracles are the checker's;
 * - a `.ts` file outside node_modules that Node would load as CommonJS (its directory has no
 *   package.json, or a CommonJS one) is loaded as an ES module: model files are written with
 *   `import`/`export default`, and tsx would otherwise compile them to require() calls, which
 *   cannot load the ES modules of pagerace.
 */
const HOOKS = `
let self = '';
let conditions = [];
export function initialize(data) {
  self = data.self;
  conditions = data.conditions;
}
export async function resolve(specifier, context, next) {
  if (specifier === 'pagerace' || specifier.startsWith('pagerace/')) {
    return next(specifier, { ...context, parentURL: self, conditions: [...conditions, ...context.conditions] });
  }
  const r = await next(specifier, context);
  if ((r.format === 'commonjs' || r.format === 'commonjs-typescript') && /\\.ts$/.test(r.url) && !r.url.includes('/node_modules/')) {
    return { ...r, format: 'module-typescript' };
  }
  return r;
}
`;

let registered = false;

/**
 * `registerModelHooks` installs the hooks once per thread. `self` is a module URL inside this
 * package (self-reference resolves from there); `fromSource` adds SOURCE_CONDITION. Call it after
 * tsx is registered, so that these hooks run first and see tsx's answer.
 */
export function registerModelHooks(self: string, fromSource: boolean): void {
  if (registered) return;
  registered = true;
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, {
    data: { self, conditions: fromSource ? [SOURCE_CONDITION] : [] },
  });
}
