/**
 * `FrameState` is what a physical frame currently holds. Page-table frames carry their level so
 * an oracle can check that a table entry points to a table of the next level down (docs/invariants.md I7).
 */
export enum FrameState {
  Free = 0,
  Data = 1,
  /** a table whose entries are PTEs (level 1) */
  Pte = 2,
  Pmd = 3,
  Pud = 4,
  P4d = 5,
  Pgd = 6,
}

const NAMES: Record<FrameState, string> = {
  [FrameState.Free]: 'free',
  [FrameState.Data]: 'data',
  [FrameState.Pte]: 'pte table',
  [FrameState.Pmd]: 'pmd table',
  [FrameState.Pud]: 'pud table',
  [FrameState.P4d]: 'p4d table',
  [FrameState.Pgd]: 'pgd table',
};

/** `frameStateName` is the human name of a frame state, as reports print it. */
export function frameStateName(state: FrameState): string {
  return NAMES[state] ?? `state ${state}`;
}

/** `tableLevel` is the paging level (1 = PTE .. 5 = PGD) of a table frame, or 0 for data/free. */
export function tableLevel(state: FrameState): number {
  return state >= FrameState.Pte ? state - FrameState.Pte + 1 : 0;
}

/** `tableState` is the frame state of a table at paging level `level` (1 = PTE .. 5 = PGD). */
export function tableState(level: number): FrameState {
  return (FrameState.Pte + level - 1) as FrameState;
}
