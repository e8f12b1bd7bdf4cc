import { expectationText, type Variant, variantModels } from '../model/define.js';
import { listBundledModels } from '../model/load.js';
import { describeParam, effectiveSpec, type ParamSpecs } from '../model/params.js';

/** `runList` is `pagerace list`: every bundled model, its variants, expectations and commits. */
export async function runList(flags: { json?: boolean }): Promise<number> {
  const models = await listBundledModels();
  if (flags.json) {
    const out = models.map((m) => ({
      name: m.def.name,
      summary: m.def.summary,
      params: m.def.params ?? {},
      alloc: m.def.alloc ?? 'lowest',
      variants: Object.entries(m.def.variants).map(([name, v]) => ({
        name,
        summary: v.summary,
        ...(v.params ? { params: v.params } : {}),
        ...(v.alloc ? { alloc: v.alloc } : {}),
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
    const specs = m.def.params ?? {};
    for (const [name, spec] of Object.entries(specs)) console.log(`  --param ${describeParam(name, spec)}`);
    if (m.def.alloc === 'any') console.log("  --alloc any (the model's default)");
    for (const [name, v] of Object.entries(m.def.variants)) {
      console.log(`  ${name.padEnd(28)} expect ${expectationText(v.expect).padEnd(22)} ${v.summary}`);
      const sized = overrides(specs, v);
      if (sized) console.log(`  ${''.padEnd(28)} ${sized}`);
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

/** what a variant changes of the model's parameters and allocator, for `pagerace list` */
function overrides(specs: ParamSpecs, v: Variant): string {
  const parts: string[] = [];
  for (const [name, o] of Object.entries(v.params ?? {})) {
    if (o && specs[name])
      parts.push(`--param ${describeParam(name, effectiveSpec(specs[name], o)).replace(/: .*$/, '')}`);
  }
  if (v.alloc) parts.push(`--alloc ${v.alloc}`);
  return parts.length ? `by default ${parts.join(', ')}` : '';
}

/** the expectations a variant states under memory models other than its own */
function underTexts(v: Variant): Record<string, string> {
  const out: Record<string, string> = {};
  for (const mm of variantModels(v).slice(1)) out[mm] = expectationText(v.expectUnder![mm]!);
  return out;
}
