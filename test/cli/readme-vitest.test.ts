import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** the TypeScript block of the README's "Checking a model in your test suite" section */
function readmeTest(): string {
  const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Checking a model in your test suite'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README: no ts block under "## Checking a model in your test suite"');
  return block[1];
}

describe('the README', () => {
  it('its vitest example runs as written and passes', () => {
    // under results/ (untracked), so that 'vitest' resolves to this repository's; 'pagerace' and
    // 'pagerace/vitest' resolve to the source, as the package's exports do to dist/
    mkdirSync(resolve(ROOT, 'results'), { recursive: true });
    const dir = mkdtempSync(resolve(ROOT, 'results', 'readme-vitest-'));
    writeFileSync(join(dir, 'counter.test.ts'), readmeTest());
    writeFileSync(
      join(dir, 'vitest.config.mjs'),
      `export default {
  resolve: {
    alias: [
      { find: /^pagerace\\/vitest$/, replacement: ${JSON.stringify(resolve(ROOT, 'src/vitest/index.ts'))} },
      { find: /^pagerace$/, replacement: ${JSON.stringify(resolve(ROOT, 'src/index.ts'))} },
    ],
  },
  test: { include: ['*.test.ts'] },
};
`,
    );
    const r = spawnSync(
      process.execPath,
      [
        resolve(ROOT, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--root',
        dir,
        '--config',
        join(dir, 'vitest.config.mjs'),
      ],
      { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(r.stdout + r.stderr).toMatch(/Tests\s+3 passed \(3\)/);
    expect(r.status).toBe(0);
  });
});
