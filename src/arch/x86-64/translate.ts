import { entryLeaf, entryNone, entryPfn, entryPresent } from './entry.js';
import { hardwareLevels, type Level, levelIndex, levelShift, type PagingLevels } from './paging.js';

/** `ReadEntry` reads entry `index` of the table in page frame `pfn`. */
export type ReadEntry = (pfn: bigint, index: number) => bigint;

/** `WalkStep` is one table the walk read: its level, the index used and the entry found. */
export interface WalkStep {
  level: Level;
  index: number;
  entry: bigint;
}

/**
 * `Translation` is the outcome of a hardware walk: either the frame and offset the address maps to
 * (`ok`), or the level whose entry was not present (`stoppedAt`). `steps` lists every entry read.
 */
export interface Translation {
  ok: boolean;
  /** the level whose entry was not present, when !ok */
  stoppedAt: Level | null;
  /** the leaf's PFN and the byte offset within the leaf's span (4 KiB, 2 MiB or 1 GiB) */
  pfn: bigint;
  offset: bigint;
  /** the level of the leaf: 'pte' for 4 KiB, 'pmd' for 2 MiB, 'pud' for 1 GiB */
  leafLevel: Level | null;
  steps: WalkStep[];
}

/**
 * `translate` is the x86-64 hardware page walk, as a ghost computation (no scheduling points):
 * from the PGD in frame `pgdPfn`, read one entry per level; a non-present entry stops the walk
 * (a #PF, not-present), a PSE entry at PUD or PMD level is a leaf. The kernel's CPU-side walk
 * (one load per level, each a scheduling point) lives in src/kernel/hw-access.ts and must agree
 * with this one.
 */
export function translate(read: ReadEntry, pgdPfn: bigint, va: bigint, levels: PagingLevels): Translation {
  const steps: WalkStep[] = [];
  let pfn = pgdPfn;
  for (const level of hardwareLevels(levels)) {
    const index = levelIndex(level, va, levels);
    const entry = read(pfn, index);
    steps.push({ level, index, entry });
    if (entryNone(entry) || !entryPresent(entry)) {
      return { ok: false, stoppedAt: level, pfn: 0n, offset: 0n, leafLevel: null, steps };
    }
    if (level === 'pte' || ((level === 'pud' || level === 'pmd') && entryLeaf(entry))) {
      const span = 1n << BigInt(levelShift(level, levels));
      return {
        ok: true,
        stoppedAt: null,
        pfn: entryPfn(entry),
        offset: BigInt.asUintN(64, va) & (span - 1n),
        leafLevel: level,
        steps,
      };
    }
    pfn = entryPfn(entry);
  }
  throw new Error('translate: walk ended without a leaf');
}

/**
 * `oopsWalkLine` prints the walk as dump_pagetable() in arch/x86/mm/fault.c does: `PGD <e>`,
 * then, while the entry is present and not a leaf, the next level. In 4-level paging pgd_present()
 * is always true (the P4D is folded), so the folded P4D is printed with the PGD's value:
 * `PGD 0 P4D 0`, `PGD 4003067 P4D 4003067 PUD 0`.
 */
export function oopsWalkLine(steps: readonly WalkStep[], levels: PagingLevels): string {
  const parts: string[] = [];
  for (const s of steps) {
    const v = BigInt.asUintN(64, s.entry).toString(16);
    if (levels === 4 && s.level === 'pgd') {
      parts.push(`PGD ${v}`, `P4D ${v}`);
    } else {
      parts.push(`${s.level.toUpperCase()} ${v}`);
    }
    if (!entryPresent(s.entry) || ((s.level === 'pud' || s.level === 'pmd') && entryLeaf(s.entry))) break;
  }
  return parts.join(' ');
}
