import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import { importModuleFile, looksLikePath, ModelError } from '../model/load.js';
import { BUNDLED_STRATEGIES, bundledStrategy, strategyUnder } from '../scheduler/registry.js';
import type { StrategyDescriptor } from '../scheduler/strategy.js';

const loaded = new Map<string, Promise<StrategyDescriptor>>();

/** `strategyProblem` says what is wrong with a strategy file's default export, or null. */
function strategyProblem(d: unknown): string | null {
  if (typeof d !== 'object' || d === null) return 'its default export must be a StrategyDescriptor';
  const s = d as Partial<StrategyDescriptor>;
  if (typeof s.name !== 'string' || s.name === '') return 'its descriptor needs a name';
  if (typeof s.create !== 'function') return `strategy ${s.name} has no create() function`;
  if (typeof s.exhaustive !== 'boolean') return `strategy ${s.name} must say whether it is exhaustive`;
  if (!Array.isArray(s.options)) return `strategy ${s.name} must list its options (options: [])`;
  if (!['subtrees', 'range', 'chunks', 'whole'].includes(String(s.split)))
    return `strategy ${s.name}: split must be subtrees, range, chunks or whole`;
  return null;
}

async function loadStrategyFile(file: string): Promise<StrategyDescriptor> {
  const shown = relative(process.cwd(), file) || file;
  if (!existsSync(file)) throw new ModelError(`strategy file ${shown} does not exist`);
  const mod = (await importModuleFile(file, `strategy file ${shown}`)) as { default?: unknown };
  const problem = strategyProblem(mod.default);
  if (problem) throw new ModelError(`strategy file ${shown}: ${problem}`);
  return mod.default as StrategyDescriptor;
}

/**
 * `resolveStrategy` finds a strategy by bundled name (`dpor`) or by file (`./my-strategy.ts`,
 * whose default export is a `StrategyDescriptor`): the same reference works in the CLI and in
 * every explorer worker.
 */
export function resolveStrategy(ref: string): Promise<StrategyDescriptor> {
  const bundled = bundledStrategy(ref);
  if (bundled) return Promise.resolve(bundled);
  if (!looksLikePath(ref)) {
    const names = BUNDLED_STRATEGIES.map((s) => s.name).join(', ');
    return Promise.reject(
      new ModelError(`--strategy must be one of ${names}, or a strategy file, got '${ref}'`),
    );
  }
  const file = resolve(ref);
  let p = loaded.get(file);
  if (!p) {
    p = loadStrategyFile(file);
    loaded.set(file, p);
    p.catch(() => loaded.delete(file));
  }
  return p;
}

/**
 * `resolveStrategyUnder` is `resolveStrategy` for a search under memory model `memoryModel`: a
 * strategy that names a stand-in for weak memory models (`underWeakMemory`) gets it there.
 */
export async function resolveStrategyUnder(
  ref: string,
  memoryModel: MemoryModelName,
): Promise<StrategyDescriptor> {
  return strategyUnder(await resolveStrategy(ref), memoryModel);
}

/** `strategyRef` is how units and tokens name a strategy: its bundled name or its absolute path. */
export function strategyRef(ref: string): string {
  return bundledStrategy(ref) || !looksLikePath(ref) ? ref : resolve(ref);
}
