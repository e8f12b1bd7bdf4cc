import { describe, expect, it } from 'vitest';
import { lengthProgram, measureLength } from '../../src/bench/dpor.js';
import { growthSizes, measureGrowth } from '../../src/bench/growth.js';
import { measureInline } from '../../src/bench/inline.js';
import { measureCompleteSearch } from '../../src/bench/memory-models.js';
import { fastCheckLostUpdate } from '../../src/bench/peer.js';
import { loadModel, selectVariants } from '../../src/model/load.js';
import { OptimalDporScheduler } from '../../src/scheduler/optimal-dpor.js';
import { explore } from '../helpers/programs.js';

// the benchmark's pieces run and measure the programs they claim to; speed itself is only ever
// measured by `npm run bench`, never asserted here
describe('benchmark pieces', () => {
  it('the fast-check peer is the lost-update program: fast-check finds lost updates in 500 runs', async () => {
    const r = await fastCheckLostUpdate(500);
    expect(r.lost).toBeGreaterThan(0);
    expect(r.lost).toBeLessThan(500);
  });

  it('measureInline runs lost-update:buggy under its own strategy and counts its 4-step executions', async () => {
    const m = await loadModel('lost-update');
    const f = measureInline(selectVariants(m, 'buggy')[0], 50);
    expect(f.model).toBe('lost-update:buggy');
    expect(f.strategy).toBe('dfs');
    expect(f.executions).toBeGreaterThan(0);
    expect(f.steps).toBe(f.executions * 4);
  });

  it('measureGrowth searches fork-vs-sync:fixed-l4-fresh to the end at each size: the executions stay, the steps grow with the tasks', async () => {
    const figures = await measureGrowth([
      { tasks: 2, forkers: 1 },
      { tasks: 4, forkers: 1 },
    ]);
    expect(figures.map((f) => [f.tasks, f.verdict, f.complete, f.executions, f.steps])).toEqual([
      [2, 'clean', true, 9, 512],
      [4, 'clean', true, 9, 638],
    ]);
    expect(growthSizes(true)).toEqual([
      { tasks: 2, forkers: 1 },
      { tasks: 4, forkers: 1 },
      { tasks: 8, forkers: 1 },
      { tasks: 3, forkers: 2 },
      { tasks: 4, forkers: 2 },
      { tasks: 8, forkers: 2 },
    ]);
  });

  it('the DPOR length workload: executions of 3 * len + 3 steps with the same races at every length', () => {
    const short = explore(lengthProgram(7), new OptimalDporScheduler());
    const long = explore(lengthProgram(534), new OptimalDporScheduler());
    expect(short.executions).toBe(long.executions);
    expect(short.executions).toBeGreaterThan(1);
    const f = measureLength('dpor', 7, 20);
    expect(f.stepsPerExecution).toBe(24);
    expect(f.executions).toBeGreaterThan(0);
  });

  it('measureCompleteSearch explores the whole space of mp:po under each memory model (DPOR: 3, 3, 26 executions)', async () => {
    const m = await loadModel('mp');
    const counts = (['sc', 'tso', 'arm64'] as const).map(
      (mm) => measureCompleteSearch(selectVariants(m, 'po', undefined, mm)[0], 20).executions,
    );
    expect(counts).toEqual([3, 3, 26]);
  });
});
