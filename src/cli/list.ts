import { expectationText } from '../model/define.js';
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
      if (v.commits?.introduced) console.log(`  ${''.padEnd(28)} introduced by ${v.commits.introduced}`);
      if (v.commits?.fixed?.length) console.log(`  ${''.padEnd(28)} fixed by ${v.commits.fixed.join(', ')}`);
    }
  }
  return 0;
}
