import { expectationText, type Variant, variantModels } from '../model/define.js';
import { listBundledModels } from '../model/load.js';

/** `runList` is `pagerace list`: every bundled model, its variants, expectations and commits. */
export async function runList(flags: { json?: boolean }): Promise<number> {
  const models = await listBundledModels();
  if (flags.json) {
    const out = models.map((m) => ({
      name: m.def.name,
      summary: m.def.summary,
      variants: Object.entries(m.def.variants).map(([name, v]) => ({
        name,
        summary: v.summary,
        expect: expectationText(v.expect),
        memoryModel: v.memoryModel ?? 'sc',
        ...(v.expectUnder ? { expectUnder: underTexts(v) } : {}),
        strategy: v.strategy ?? 'dfs',
        commits: v.commits ?? {},
      })),
    }));
    console.log(JSON.stringify(out, null, 2));
    return 0;
  }
  for (const m of models) {
    console.log(`${m.def.name}: ${m.def.summary}`);
    for (const [name, v] of Object.entries(m.def.variants)) {
      console.log(`  ${name.padEnd(28)} expect ${expectationText(v.expect).padEnd(22)} ${v.summary}`);
      const own = v.memoryModel ?? 'sc';
      const under = Object.entries(underTexts(v)).map(([mm, e]) => `${mm}: ${e}`);
      if (own !== 'sc' || under.length > 0)
        console.log(`  ${''.padEnd(28)} under ${own}${under.length ? `; ${under.join(', ')}` : ''}`);
      if (v.commits?.introduced) console.log(`  ${''.padEnd(28)} introduced by ${v.commits.introduced}`);
      if (v.commits?.fixed?.length) console.log(`  ${''.padEnd(28)} fixed by ${v.commits.fixed.join(', ')}`);
    }
  }
  return 0;
}

/** the expectations a variant states under memory models other than its own */
function underTexts(v: Variant): Record<string, string> {
  const out: Record<string, string> = {};
  for (const mm of variantModels(v).slice(1)) out[mm] = expectationText(v.expectUnder![mm]!);
  return out;
}
