import type { Program } from '../engine/program.js';
import { MAX_CPUS } from '../engine/scheduling.js';
import { loadModel, ModelError, selectVariants, type Target } from './load.js';

/**
 * `buildProgram` builds a variant's program, turning a failure into a ModelError of that variant
 * alone: a build that throws, or a program with no CPUs or more than `MAX_CPUS`.
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
  return program;
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
