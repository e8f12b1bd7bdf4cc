import fc from 'fast-check';

/**
 * `fastCheckLostUpdate` is the lost-update example (models/examples/lost-update.ts, variant buggy)
 * written for fast-check's `fc.scheduler()`: two tasks each load a shared counter and store it
 * plus one, every access a scheduled point; fast-check picks the interleaving of each run, and
 * `waitIdle` lets each task's continuation schedule its next access before the next pick (with
 * the deprecated `waitAll` both loads always ran first, so every run lost an update: a test
 * checks that about half do). It returns how many runs it made per second, and how many lost an
 * update (found the bug).
 */
export async function fastCheckLostUpdate(runs: number): Promise<{ perSecond: number; lost: number }> {
  let lost = 0;
  const t0 = performance.now();
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), async (s) => {
      let counter = 0n;
      const load = () => s.schedule(Promise.resolve('load counter')).then(() => counter);
      const store = (v: bigint) =>
        s.schedule(Promise.resolve('store counter')).then(() => {
          counter = v;
        });
      const increment = async () => {
        const v = await load();
        await store(v + 1n);
      };
      const both = Promise.all([increment(), increment()]);
      await s.waitIdle();
      await both;
      if (counter !== 2n) lost++;
    }),
    { numRuns: runs, seed: 1 },
  );
  return { perSecond: (runs * 1000) / (performance.now() - t0), lost };
}
