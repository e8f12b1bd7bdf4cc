import type { Program } from '../engine/program.js';
import { loadModel, ModelError, selectVariants, type Target } from './load.js';

/** `buildProgram` builds a variant's program, turning a failure into a ModelError. */
export function buildProgram(target: Target): Program {
  try {
    return target.variant.build();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ModelError(`${target.model.def.name}:${target.variantName}: build() failed: ${msg}`);
  }
}

/**
 * `loadTarget` loads the one variant a reference names (`model` as a token or a unit of work
 * gives it, and the exact variant name): what replay, explorer workers and CPU workers rebuild.
 */
export async function loadTarget(model: string, variant: string): Promise<Target> {
  const loaded = await loadModel(model);
  const target = selectVariants(loaded, variant).find((t) => t.variantName === variant);
  if (!target) throw new ModelError(`model ${loaded.def.name} has no variant '${variant}' any more`);
  return target;
}
