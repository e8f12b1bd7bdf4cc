import type { Program } from '../engine/program.js';
import { MAX_CPUS } from '../engine/scheduling.js';
import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import { type LoadedModel, loadModel, ModelError, selectVariants, type Target } from './load.js';
import { requestedOf, type TargetRef } from './settings.js';

/**
 * `buildProgram` builds a variant's program at the target's size, with its allocator, under its
 * memory model, turning a failure into a ModelError of that variant alone: a build that throws,
 * or a program with no CPUs or more than `MAX_CPUS`.
 */
export function buildProgram(target: Target): Program {
  const label = `${target.model.def.name}:${target.variantName}`;
  let program: Program;
  try {
    program = target.variant.build(target.params);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ModelError(`${label}: build() failed: ${msg}`);
  }
  const n = program.cpus.length;
  if (n < 1 || n > MAX_CPUS) {
    throw new ModelError(
      `${label}: the program has ${n} CPUs; pagerace runs programs of 1 to ${MAX_CPUS} CPUs (MAX_CPUS)`,
    );
  }
  program.memory.allocMode = target.alloc;
  program.memory.tlb = target.tlb;
  program.memoryModel = target.memoryModel;
  return program;
}

/**
 * `targetIn` is the one target of a loaded model that a reference names: the exact variant, sized
 * and allocated by the settings a token or a unit of work records (other settings, such as the
 * model file's, are left alone).
 */
export function targetIn(
  loaded: LoadedModel,
  variant: string,
  settings: Readonly<Record<string, string>>,
  memoryModel: MemoryModelName = 'sc',
): Target {
  let requested: ReturnType<typeof requestedOf>;
  try {
    requested = requestedOf(settings);
  } catch (e) {
    throw new ModelError(e instanceof Error ? e.message : String(e));
  }
  for (const p of Object.keys(requested.params)) {
    if (!(p in (loaded.def.params ?? {})))
      throw new ModelError(`model ${loaded.def.name} has no parameter '${p}' any more`);
  }
  const target = selectVariants(loaded, variant, requested, memoryModel).find(
    (t) => t.variantName === variant,
  );
  if (!target) throw new ModelError(`model ${loaded.def.name} has no variant '${variant}' any more`);
  return target;
}

/**
 * `loadTarget` loads the one target a reference names (`model` as a unit of work gives it: the
 * bundled name or the file's absolute path, the exact variant name, and the settings that size
 * it): what explorer workers and CPU workers rebuild.
 */
export async function loadTarget(ref: TargetRef): Promise<Target> {
  return targetIn(await loadModel(ref.model), ref.variant, ref.settings, ref.memoryModel ?? 'sc');
}
