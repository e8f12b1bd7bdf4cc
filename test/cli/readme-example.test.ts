import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/errors.js';
import { pagerace, ROOT } from '../helpers/cli.js';

/** the TypeScript block of the README's "Writing a model" section */
function readmeModel(): string {
  const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Writing a model'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README: no ts block under "## Writing a model"');
  return block[1];
}

describe('the README', () => {
  it('its model example checks as written: the buggy variant is caught, as it expects', () => {
    // the example imports 'pagerace' (the built package); from source it is src/index.ts
    const code = readmeModel().replace("from 'pagerace'", `from '${resolve(ROOT, 'src/index.ts')}'`);
    const file = join(mkdtempSync(join(tmpdir(), 'pagerace-readme-')), 'my-model.ts');
    writeFileSync(file, code);
    const r = pagerace(['check', `${file}:buggy`, '--strategy', 'dfs', '--no-out']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('== lost-update:buggy: assertion (expected)');
    expect(r.stdout).toContain('assertion: counter is not 2');
  });

  it('starts with the two commands for a fresh clone', () => {
    const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
    const first = /```sh\n([\s\S]*?)```/
      .exec(readme)?.[1]
      .split('\n')
      .map((l) => l.split('#')[0].trim());
    expect(first?.slice(0, 2)).toEqual(['npm ci && npm start', 'npm test']);
  });

  it("its exit-code table is the code's: every ExitCode, and nothing else", () => {
    const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| exit code | `check`'));
    const codes = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| (\d+) +\|/gm)].map((m) =>
      Number(m[1]),
    );
    expect(codes).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
    expect(codes).toEqual([0, 1, 2, 3, 130, 143]);
  });
});
