import type { Program } from '../engine/program.js';
import type { MemoryModelName } from '../machine/memory-model/memory-model.js';
import { loadModel, ModelError, selectVariants, type Target } from './load.js';

/** `buildProgram` builds a variant's program under the target's memory model, turning a failure into a ModelError. */
export function buildProgram(target: Target): Program {
  try {
    const program = target.variant.build();
    program.memoryModel = target.memoryModel;
    return program;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ModelError(`${target.model.def.name}:${target.variantName}: build() failed: ${msg}`);
  }
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
