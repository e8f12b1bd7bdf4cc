import { describe, expect, it } from 'vitest';
import { listBundledModels, selectVariants } from '../../src/model/load.js';
import { effectiveSpec, type ParamOverride } from '../../src/model/params.js';
import { buildProgram } from '../../src/model/target.js';

// every bundled variant builds at the smallest and at the largest size its parameters allow
// (all of them at their minimum, all at their maximum): no range promises what build() refuses
const variants = (await listBundledModels()).flatMap((m) =>
  selectVariants(m, undefined)
    .filter(() => Object.keys(m.def.params ?? {}).length > 0)
    .map((t) => [`${m.def.name}:${t.variantName}`, m, t.variantName] as const),
);

describe('bundled model parameters', () => {
  it.each(variants)('%s builds at every parameter minimum and at every maximum', (_name, m, variant) => {
    const overrides = m.def.variants[variant].params as Record<string, ParamOverride> | undefined;
    const specs = Object.entries(m.def.params ?? {}).map(
      ([p, s]) => [p, effectiveSpec(s, overrides?.[p])] as const,
    );
    for (const bound of ['min', 'max'] as const) {
      const params = Object.fromEntries(specs.map(([p, s]) => [p, String(s[bound] ?? s.default)]));
      const [t] = selectVariants(m, variant, { params });
      const program = buildProgram(t);
      expect(program.cpus.length).toBeGreaterThan(0);
    }
  });
});
