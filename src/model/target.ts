import type { Program } from '../engine/program.js';
import { loadModel, ModelError, selectVariants, type Target } from './load.js';
import { requestedOf, type TargetRef } from './settings.js';

/**
 * `buildProgram` builds a variant's program at the target's size, with its allocator, turning a
 * failure into a ModelError.
 */
export function buildProgram(target: Target): Program {
  try {
    const program = target.variant.build(target.params);
    program.memory.allocMode = target.alloc;
    return program;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ModelError(`${target.model.def.name}:${target.variantName}: build() failed: ${msg}`);
  }
}

/**
 * `loadTarget` loads the one target a reference names (`model` as a token or a unit of work
 * gives it, the exact variant name, and the settings that size it): what replay, explorer
 * workers and CPU workers rebuild.
 */
export async function loadTarget(ref: TargetRef): Promise<Target> {
  const loaded = await loadModel(ref.model);
  let requested: ReturnType<typeof requestedOf>;
  try {
    requested = requestedOf(ref.settings);
  } catch (e) {
    throw new ModelError(e instanceof Error ? e.message : String(e));
  }
  for (const p of Object.keys(requested.params)) {
    if (!(p in (loaded.def.params ?? {})))
      throw new ModelError(`model ${loaded.def.name} has no parameter '${p}' any more`);
  }
  const target = selectVariants(loaded, ref.variant, requested).find((t) => t.variantName === ref.variant);
  if (!target) throw new ModelError(`model ${loaded.def.name} has no variant '${ref.variant}' any more`);
  return target;
}
