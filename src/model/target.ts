import type { Program } from '../engine/program.js';
import { MAX_CPUS } from '../engine/scheduling.js';
import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import { loadModel, ModelError, selectVariants, type Target } from './load.js';

/**
 * `buildProgram` builds a variant's program under the target's memory model, turning a failure
 * into a ModelError of that variant alone: a build that throws, or a program with no CPUs or more
 * than `MAX_CPUS`.
 */
export function buildProgram(target: Target): Program {
  const label = `${target.model.def.name}:${target.variantName}`;
  let program: Program;
  try {
    program = target.variant.build();
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
  program.memoryModel = target.memoryModel;
  return program;
}

/**
 * `loadTarget` loads the one variant a reference names (`model` as a token or a unit of work
 * gives it, the exact variant name, and the memory model): what replay, explorer workers and CPU
 * workers rebuild.
 */
export async function loadTarget(
  model: string,
  variant: string,
  memoryModel: MemoryModelName = 'sc',
): Promise<Target> {
  const loaded = await loadModel(model);
  const target = selectVariants(loaded, variant, memoryModel).find((t) => t.variantName === variant);
  if (!target) throw new ModelError(`model ${loaded.def.name} has no variant '${variant}' any more`);
  return target;
}
