import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, untimed } from '../helpers/cli.js';

/** `Guide` is what a README guide shows: its model file, the command that checks it, what it prints. */
interface Guide {
  model: string;
  args: string[];
  printed: string;
}

/** the first block of `lang` in `text` from `from` on, and where it ends */
function block(text: string, lang: string, from: number): [string, number] {
  const start = text.indexOf(`\`\`\`${lang}\n`, from);
  if (start < 0) throw new Error(`README: no ${lang} block`);
  const body = start + lang.length + 4;
  const end = text.indexOf('```', body);
  return [text.slice(body, end), end + 3];
}

/** the guide under heading `heading`: its first ts block, the sh block after, and the text block after that */
function guide(heading: string): Guide {
  const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README: no heading "${heading}"`);
  const next = readme.indexOf('\n## ', at + heading.length + 2);
  const section = readme.slice(at, next < 0 ? undefined : next);
  const [model, afterModel] = block(section, 'ts', 0);
  const [command, afterCommand] = block(section, 'sh', afterModel);
  const [printed] = block(section, 'text', afterCommand);
  const words = command.trim().split(/\s+/);
  expect(words.slice(0, 2)).toEqual(['npx', 'pagerace']);
  return { model, args: words.slice(2), printed };
}

const BIN = resolve(ROOT, 'dist/src/cli/bin.js');

/** the CLI as built (`npm run build`) run in `cwd`, without progress lines on stderr */
function built(args: string[], cwd: string) {
  const env = { ...process.env, PAGERACE_PROGRESS: 'never' };
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("the README's guides, as a user would run them", () => {
  beforeAll(() => {
    const tsc = resolve(dirname(resolve(ROOT, 'node_modules/typescript/package.json')), 'bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
    expect(existsSync(BIN)).toBe(true);
  });

  for (const heading of ['## Checking your own lockless walker', '## Writing a kernel model']) {
    it(`${heading.slice(3)}: its model, alone in a directory with no package.json, prints what the guide shows`, () => {
      const g = guide(heading);
      const dir = mkdtempSync(join(tmpdir(), 'pagerace-guide-'));
      const file = g.args.find((a) => a.endsWith('.ts'));
      expect(file).toBeDefined();
      writeFileSync(join(dir, file!), g.model);
      expect(existsSync(join(dir, 'package.json'))).toBe(false);
      const r = built([...g.args, '--no-out'], dir);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(untimed(r.stdout)).toBe(untimed(g.printed));
    });
  }
});
