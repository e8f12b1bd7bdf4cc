import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResult } from '../../src/explore/found.js';
import { defaultSearchOptions, type SearchOptions } from '../../src/explore/options.js';
import { parallelSearch } from '../../src/explore/parallel.js';
import { ExplorerPool } from '../../src/explore/parallel-pool.js';
import { search } from '../../src/explore/search.js';
import { listBundledModels, loadModel, selectVariants, type Target } from '../../src/model/load.js';
import { formatViolation } from '../../src/report/text.js';

const INTERLEAVE = fileURLToPath(new URL('../../src/bench/models/interleave.ts', import.meta.url));

async function target(model: string, variant: string): Promise<Target> {
  const m = await loadModel(model);
  return selectVariants(m, variant).find((t) => t.variantName === variant)!;
}

function options(o: Partial<SearchOptions> = {}): SearchOptions {
  return { ...defaultSearchOptions(), ...o };
}

/** everything a report prints or stores, except the time it took */
function comparable(r: SearchResult): unknown {
  const { seconds: _, ...rest } = r;
  return { ...rest, text: r.violations.map((v) => formatViolation(r, v).join('\n')) };
}

const pools = new Map<number, ExplorerPool>();
beforeAll(async () => {
  for (const n of [1, 2, 3]) pools.set(n, await ExplorerPool.open(n));
});
afterAll(async () => {
  for (const p of pools.values()) await p.close();
});

async function onEach(t: Target, o: SearchOptions): Promise<SearchResult[]> {
  const out: SearchResult[] = [];
  for (const n of [1, 2, 3]) out.push(await parallelSearch(t, o, pools.get(n)!));
  return out;
}

describe('parallel search gives the sequential result on 1, 2 and 3 workers', () => {
  it('interleave:small, complete DFS: 34650 executions, 415800 steps on every worker count', async () => {
    const t = await target(INTERLEAVE, 'small');
    const rs = await onEach(t, options());
    for (const r of rs) {
      expect(r).toMatchObject({ executions: 34650, steps: 415800, complete: true, verdict: 'clean' });
    }
    const seq = await search(t, options());
    expect(seq.executions).toBe(34650);
    for (const r of rs) expect(comparable(r)).toEqual(comparable(seq));
  });

  it('interleave:small-lost, DFS stopped at the first violation: the same report and count (130)', async () => {
    const t = await target(INTERLEAVE, 'small-lost');
    const seq = await search(t, options());
    expect(seq).toMatchObject({ executions: 130, stoppedBy: 'violation' });
    for (const r of await onEach(t, options())) expect(comparable(r)).toEqual(comparable(seq));
  });

  it('interleave:small-lost, DFS --keep-going: 10428 violating of 34650, first at the same execution', async () => {
    const t = await target(INTERLEAVE, 'small-lost');
    const o = options({ keepGoing: true });
    const seq = await search(t, o);
    expect(seq).toMatchObject({ executions: 34650, violatingExecutions: 10428 });
    for (const r of await onEach(t, o)) expect(comparable(r)).toEqual(comparable(seq));
  });

  it('interleave:small-lost, DFS with --budget 30000 --keep-going --no-minimize: cut where the budget ends (units that ran past it run again)', async () => {
    const t = await target(INTERLEAVE, 'small-lost');
    const o = options({ keepGoing: true, budget: 30000, minimize: false });
    const seq = await search(t, o);
    expect(seq).toMatchObject({ executions: 30000, stoppedBy: 'budget' });
    for (const r of await onEach(t, o)) expect(comparable(r)).toEqual(comparable(seq));
  });

  it('random seed 7 --keep-going --no-minimize, 3000 executions: the lowest execution index is reported', async () => {
    const t = await target(INTERLEAVE, 'small-lost');
    const o = options({ strategy: 'random', seed: '7', budget: 3000, keepGoing: true, minimize: false });
    const seq = await search(t, o);
    expect(seq.executions).toBe(3000);
    for (const r of await onEach(t, o)) expect(comparable(r)).toEqual(comparable(seq));
  });

  it('random seed 7 stopping at the first violation: the same execution as sequentially', async () => {
    const t = await target(INTERLEAVE, 'small-lost');
    const o = options({ strategy: 'random', seed: '7', minimize: false });
    const seq = await search(t, o);
    for (const r of await onEach(t, o)) expect(comparable(r)).toEqual(comparable(seq));
  });

  it('pct (the execution length measured once, from the seed) is the same on 1, 2 and 3 workers as sequentially', async () => {
    const t = await target(INTERLEAVE, 'small-lost');
    const o = options({ strategy: 'pct', seed: '3', budget: 2500, keepGoing: true, minimize: false });
    const seq = await search(t, o);
    expect(seq.executions).toBe(2500);
    for (const r of await onEach(t, o)) expect(comparable(r)).toEqual(comparable(seq));
  });

  it('dpor runs on one worker, as sequentially', async () => {
    const t = await target(INTERLEAVE, 'small');
    const o = options({ strategy: 'dpor' });
    const seq = await search(t, o);
    for (const r of await onEach(t, o)) expect(comparable(r)).toEqual(comparable(seq));
  });
});

// every bundled model (examples now; kernel and lockless models as they land), with its own
// strategy: `pagerace check` on 1 and 2 workers prints the same report
const bundled = (await listBundledModels()).flatMap((m) => selectVariants(m, undefined));
describe('every bundled model variant: 1 and 2 workers give identical reports', () => {
  it.each(bundled.map((t) => [`${t.model.def.name}:${t.variantName}`, t] as const))('%s', async (_n, t) => {
    const o = options({ timeMs: Number.POSITIVE_INFINITY });
    const one = await parallelSearch(t, o, pools.get(1)!);
    const two = await parallelSearch(t, o, pools.get(2)!);
    expect(comparable(two)).toEqual(comparable(one));
  });
});

describe('a worker that dies is reported, its unit runs again, nothing is lost', () => {
  it('PAGERACE_TEST_EXPLORER_EXIT_AT=3: the worker starting the 3rd unit exits; the complete DFS still counts 34650', async () => {
    process.env.PAGERACE_TEST_EXPLORER_EXIT_AT = '3';
    const pool = await ExplorerPool.open(2);
    delete process.env.PAGERACE_TEST_EXPLORER_EXIT_AT;
    try {
      const notices: string[] = [];
      const failures: string[] = [];
      const t = await target(INTERLEAVE, 'small-lost');
      const o = options({ keepGoing: true });
      const r = await parallelSearch(t, o, pool, {
        onNotice: (m) => notices.push(m),
        onFailure: (m) => failures.push(m),
      });
      expect(notices).toEqual([
        'an explorer worker died (worker exited with code: 70); its unit of work runs again on a fresh worker',
      ]);
      expect(failures).toEqual([]);
      expect(comparable(r)).toEqual(comparable(await search(t, o)));
    } finally {
      await pool.close();
    }
  });
});
