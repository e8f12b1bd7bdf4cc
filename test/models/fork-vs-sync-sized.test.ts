import { describe, expect, it } from 'vitest';
import { defaultSearchOptions } from '../../src/explore/options.js';
import { search } from '../../src/explore/search.js';
import { resolveTargets } from '../../src/model/load.js';

// fork-vs-sync at the size of the SPIN comparison: init_mm and 8 tasks on pgd_list, 2 of them
// forking (children I and J), 4-level paging, a fresh top-level slot. The README's bench table
// follows the same family (npm run bench).
describe('fork-vs-sync --param tasks=8,forkers=2', () => {
  it.each([
    ['fixed-l4-fresh', 'clean', true, 144],
    ['fixed-exit-l4-fresh', 'clean', true, 987],
    ['mutant-join-outside-lock-l4-fresh', 'sync-postcondition', false, 383],
    ['mutant-sync-without-lock-l4-fresh', 'sync-postcondition', false, 55],
    ['mutant-sync-before-store-l4-fresh', 'sync-postcondition', false, 1],
    ['mutant-exit-without-lock-l4-fresh', 'kernel-bug', false, 121],
  ] as const)('%s: %s (complete: %s) after %i executions', async (variant, verdict, complete, executions) => {
    const [t] = await resolveTargets([`fork-vs-sync:${variant}`], { params: { tasks: '8', forkers: '2' } });
    expect(t.settings).toEqual({ 'param.tasks': '8', 'param.forkers': '2' });
    const r = await search(t, { ...defaultSearchOptions(), minimize: false });
    const found = r.violations.map((v) => v.kind);
    expect([found[0] ?? r.verdict, r.complete, r.executions, r.matches]).toEqual([
      verdict,
      complete,
      executions,
      true,
    ]);
  });
});
