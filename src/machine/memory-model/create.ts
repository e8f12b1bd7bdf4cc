import type { PhysicalMemory } from '../physical-memory.js';
import { Arm64Model } from './arm64.js';
import type { MemoryModel, MemoryModelName } from './memory-model.js';
import { ScModel } from './sc.js';
import { TsoModel } from './tso.js';

/**
 * `createMemoryModel` makes memory model `name` for a machine of `cpus` CPUs on `mem`. With
 * `state`, the model attaches to the state buffer of a model made elsewhere (a CPU worker of the
 * threads executor attaches to the scheduler's).
 */
export function createMemoryModel(
  name: MemoryModelName,
  cpus: number,
  mem: PhysicalMemory,
  state?: SharedArrayBuffer | null,
): MemoryModel {
  switch (name) {
    case 'sc':
      return new ScModel(cpus, mem);
    case 'tso':
      return new TsoModel(cpus, mem, state ?? undefined);
    case 'arm64':
      return new Arm64Model(cpus, mem, state ?? undefined);
  }
}
