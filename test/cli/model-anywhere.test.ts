import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pagerace } from '../helpers/cli.js';

/** a model named `name` that imports pagerace by its package name, as a user's file does */
function model(name: string, extra = '', value = '1n'): string {
  return `import { type Cpu, defineModel, MachineBuilder } from 'pagerace';
${extra}
export default defineModel({
  name: '${name}',
  summary: 'a model outside the repository',
  variants: {
    v: {
      summary: 'one store',
      expect: 'clean',
      build() {
        const m = new MachineBuilder(1);
        const w = m.word('w');
        return m.program([{ name: 'A', *run(c: Cpu) { yield c.store(w, ${value}); } }]);
      },
    },
  },
});
`;
}

describe('a model file anywhere on disk imports pagerace by name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagerace-anywhere-'));
  const cjs = join(dir, 'cjs-package');
  mkdirSync(join(dir, 'lib'));
  mkdirSync(cjs);
  writeFileSync(join(dir, 'plain.ts'), model('plain'));
  writeFileSync(join(dir, 'esm.mts'), model('esm'));
  writeFileSync(join(dir, 'lib', 'value.ts'), 'export const VALUE = 7n;\n');
  writeFileSync(join(dir, 'helper.ts'), model('helper', "import { VALUE } from './lib/value.ts';", 'VALUE'));
  writeFileSync(join(cjs, 'package.json'), '{ "name": "someones-models", "type": "commonjs" }\n');
  writeFileSync(join(cjs, 'inside.ts'), model('inside'));
  writeFileSync(
    join(dir, 'missing.ts'),
    model('missing', "import { notAnExport } from 'pagerace';\nvoid notAnExport;"),
  );
  writeFileSync(join(dir, 'subpath.ts'), model('subpath', "import 'pagerace/nothing';"));

  it('in a directory with no package.json (.ts, .mts, with a helper) and in a CommonJS package', () => {
    const files = ['plain.ts', 'esm.mts', 'helper.ts', 'cjs-package/inside.ts'].map((f) => join(dir, f));
    const r = pagerace(['check', ...files, '--no-out']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const name of ['plain', 'esm', 'helper', 'inside'])
      expect(r.stdout).toMatch(new RegExp(`^${name}:v +clean +clean +complete`, 'm'));
  });

  it('an import pagerace does not export is reported as such, not as a syntax error', () => {
    const missing = pagerace(['check', join(dir, 'missing.ts'), '--no-out']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(
      /^pagerace: model file .*missing\.ts imports 'notAnExport' from 'pagerace', which does not export it$/,
    );
    const subpath = pagerace(['check', join(dir, 'subpath.ts'), '--no-out']);
    expect(subpath.code).toBe(2);
    expect(subpath.stderr.trim()).toMatch(
      /^pagerace: model file .*subpath\.ts imports 'pagerace\/nothing', which pagerace does not export \(it exports pagerace, pagerace\/kernel, pagerace\/x86, pagerace\/arm64, pagerace\/vitest\)$/,
    );
  });
});
