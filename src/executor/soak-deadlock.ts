import { OpKind } from '../engine/op.js';

/** `SoakWait` is what one waiting soak CPU waits for: its pending Lock, ReadLock or Await. */
export interface SoakWait {
  cpu: number;
  /** its task, as reports name it */
  task: string;
  kind: OpKind;
  addr: number;
}

/**
 * `lockCycle` confirms a deadlock among free-running CPUs from the lock-holder graph, never from
 * how long they have waited: each CPU that waits for an exclusive lock, or for a shared one, held
 * exclusively by another CPU has an edge to that holder (a lock word holds -(cpu + 1) while held
 * exclusively, the number of readers while shared). A cycle of such edges can never break, since
 * each CPU on it waits for the next to release a lock it cannot reach; it is returned as
 * `cpu0 A waits for l1 held by cpu1 B; cpu1 B waits for l0 held by cpu0 A`, starting from its
 * lowest CPU. Waits on conditions (Await) or on locks held by readers give no edge: who would
 * end them is not known, so they can only be reported as a stall. Read under the sequencing lock,
 * so that no CPU steps while the graph is read.
 */
export function lockCycle(
  waits: readonly SoakWait[],
  lockWord: (addr: number) => bigint,
  name: (addr: number) => string,
): string | null {
  const by = new Map(waits.map((w) => [w.cpu, w]));
  const holder = new Map<number, number>();
  for (const w of waits) {
    if (w.kind !== OpKind.Lock && w.kind !== OpKind.ReadLock) continue;
    const v = lockWord(w.addr);
    if (v < 0n) holder.set(w.cpu, Number(-v) - 1);
  }
  for (const start of [...holder.keys()].sort((a, b) => a - b)) {
    const path: number[] = [];
    let c: number | undefined = start;
    while (c !== undefined && !path.includes(c)) {
      path.push(c);
      c = holder.get(c);
    }
    if (c !== start) continue;
    const who = (x: number) => `cpu${x} ${by.get(x)!.task}`;
    return path
      .map((x) => {
        const w = by.get(x)!;
        const shared = w.kind === OpKind.ReadLock ? 'shared ' : '';
        return `${who(x)} waits for ${shared}${name(w.addr)} held by ${who(holder.get(x)!)}`;
      })
      .join('; ');
  }
  return null;
}

/** `describeWaits` says what every waiting CPU waits for, for a stall report. */
export function describeWaits(
  waits: readonly SoakWait[],
  lockWord: (addr: number) => bigint,
  name: (addr: number) => string,
): string {
  return waits
    .map((w) => {
      const what = name(w.addr);
      const who = `cpu${w.cpu} ${w.task}`;
      if (w.kind === OpKind.Await) return `${who} waits for ${what} to change (now ${lockWord(w.addr)})`;
      const v = lockWord(w.addr);
      const state = v < 0n ? `held by cpu${Number(-v) - 1}` : v > 0n ? `held by ${v} readers` : 'free';
      return `${who} waits for ${w.kind === OpKind.ReadLock ? 'shared ' : ''}${what} (${state})`;
    })
    .join('; ');
}
