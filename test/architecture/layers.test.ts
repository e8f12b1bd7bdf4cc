import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * The layers of src/, bottom first (docs/ARCHITECTURE.md): a file imports only from its own
 * layer or the layers below it.
 */
const LAYERS = [
  'machine',
  'arch',
  'engine',
  'scheduler',
  'model',
  'kernel',
  'executor',
  'explore',
  'report',
  'api',
  'vitest',
  'cli',
  'bench',
] as const;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function layerOf(file: string): number {
  const top = relative(resolve(ROOT, 'src'), file).split(sep)[0];
  return LAYERS.indexOf(top as (typeof LAYERS)[number]);
}

describe('layers: arrows point down only', () => {
  it('no file in src/ imports from a layer above its own', () => {
    const upward: string[] = [];
    for (const file of files(resolve(ROOT, 'src'))) {
      const mine = layerOf(file);
      if (mine < 0) continue; // src/index.ts and the package entry points sit on top
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from '(\.[^']+)'/g)) {
        const target = resolve(file, '..', m[1]);
        const theirs = layerOf(target);
        if (theirs > mine) upward.push(`${relative(ROOT, file)} -> ${relative(ROOT, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
