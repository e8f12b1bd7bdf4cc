import { describe, expect, it } from 'vitest';
import { defaultSearchOptions } from '../../src/explore/options.js';
import { search } from '../../src/explore/search.js';
import { listBundledModels, selectVariants } from '../../src/model/load.js';

// Like the kernel's tools/memory-model litmus tests, every bundled model states what each
// variant must give (Result: Never / Sometimes); this checks every verdict with the variant's own
// strategy, as `npm start` does.
const targets = (await listBundledModels()).flatMap((m) => selectVariants(m, undefined));

describe('every bundled model variant gives what it expects', () => {
  it.each(
    targets.map((t) => [`${t.model.def.name}:${t.variantName}`, t] as const),
  )('%s', async (_name, target) => {
    const r = await search(target, defaultSearchOptions());
    const found = r.violations.map((v) => `${v.kind}: ${v.message}`);
    if (target.variant.expect === 'clean') {
      expect(found).toEqual([]);
      if (r.strategy === 'dfs' || r.strategy === 'dpor') expect(r.complete).toBe(true);
    } else {
      expect(r.violations.map((v) => v.kind)).toContain(target.variant.expect.violation);
    }
    expect(r.matches).toBe(true);
  });
});
