import { describe, expect, it } from 'vitest';
import { defaultSearchOptions } from '../../src/explore/options.js';
import { search } from '../../src/explore/search.js';
import { expectationUnder } from '../../src/model/define.js';
import { listBundledModels, selectVariants, targetLabel } from '../../src/model/load.js';

// Like the kernel's tools/memory-model litmus tests, every bundled model states what each
// variant must give (Result: Never / Sometimes) under each memory model it names; this checks
// every verdict with the variant's own strategy, as `npm start` does.
const targets = (await listBundledModels()).flatMap((m) => selectVariants(m, undefined));

describe('every bundled model variant gives what it expects', () => {
  it.each(
    targets.map(
      (t) =>
        [
          targetLabel({ model: t.model.def.name, variant: t.variantName, memoryModel: t.memoryModel }),
          t,
        ] as const,
    ),
  )('%s', async (_name, target) => {
    const r = await search(target, defaultSearchOptions());
    const found = r.violations.map((v) => `${v.kind}: ${v.message}`);
    const expected = expectationUnder(target.variant, target.memoryModel);
    if (expected === 'clean') {
      expect(found).toEqual([]);
      if (r.strategy === 'dfs' || r.strategy === 'dpor') expect(r.complete).toBe(true);
    } else {
      expect(r.violations.map((v) => v.kind)).toContain(expected.violation);
    }
    expect(r.matches).toBe(true);
  });
});
