/**
 * `pagerace/vitest` adds pagerace's matchers to vitest's `expect` when imported:
 *
 * ```ts
 * import 'pagerace/vitest';
 * await expect(model).toBeCleanUnder({ strategy: 'dpor', variant: 'fixed' });
 * await expect(model).toFindViolation('use-after-free', { variant: 'buggy' });
 * ```
 *
 * Both check the model as `pagerace check` does (`checkModel`) and fail with its report: the
 * interleaving, minimized, and the token that `pagerace replay` reproduces it from.
 */
import { expect } from 'vitest';
import type { CheckModelOptions } from '../api/check-model.js';
import { pageraceMatchers } from './matchers.js';

export type { CheckModelOptions } from '../api/check-model.js';
export { type CheckedModel, type MatcherOutcome, pageraceMatchers } from './matchers.js';

expect.extend(pageraceMatchers);

/** `PageraceMatchers` are the matchers `pagerace/vitest` adds; each resolves when the check is done. */
export interface PageraceMatchers<R = unknown> {
  /** every variant checked is clean: a complete search found no violation */
  toBeCleanUnder(options?: CheckModelOptions): Promise<R>;
  /** some variant checked raises a violation of `kind` (`use-after-free`, `page-fault`, ...) */
  toFindViolation(kind: string, options?: CheckModelOptions): Promise<R>;
}

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: must match vitest's own declaration to merge with it
  // biome-ignore lint/correctness/noUnusedVariables: the same: vitest declares Matchers<T = any>
  interface Matchers<T = any> extends PageraceMatchers<void> {}
}
