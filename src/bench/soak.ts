import { SOAK_DELAY_MAX, Soak } from '../executor/soak.js';
import type { Target } from '../model/load.js';

/** `SoakFigure` is the soak executor's speed on one model variant. */
export interface SoakFigure {
  model: string;
  record: boolean;
  cpus: number;
  iterations: number;
  iterationsPerSecond: number;
  violatingIterations: number;
}

/**
 * `measureSoak` runs `target` under soak for `ms` milliseconds on one machine (one CPU worker per
 * model CPU), recording or not, and returns iterations per second.
 */
export async function measureSoak(target: Target, record: boolean, ms: number): Promise<SoakFigure> {
  const soak = await Soak.start(
    target,
    { machines: 1, record, seed: 'bench', maxSteps: 100_000, delayMax: SOAK_DELAY_MAX },
    () => {},
  );
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const st = soak.stats();
  const seconds = (performance.now() - t0) / 1000;
  await soak.stop();
  return {
    model: `${target.model.def.name}:${target.variantName}`,
    record,
    cpus: soak.cpusPerMachine,
    iterations: st.iterations,
    iterationsPerSecond: st.iterations / seconds,
    violatingIterations: st.violations,
  };
}
