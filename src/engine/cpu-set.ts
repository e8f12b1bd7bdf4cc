/**
 * `CpuSet` is a set of scheduling agents (CPUs, by index from 0) as a bitmap of 32-bit words, for
 * any number of CPUs: the enabled set the executor hands a scheduler, and the backtrack, done and
 * sleep sets of partial-order reduction. Every operation is O(words); a machine of up to 32 CPUs
 * is one word.
 *
 * invariant: `words.length === ((capacity + 31) >>> 5)`, and no bit at or above `capacity` is set.
 */
export class CpuSet {
  readonly words: Uint32Array;

  constructor(readonly capacity: number) {
    this.words = new Uint32Array((capacity + 31) >>> 5);
  }

  /** `of` is the set of `capacity` holding `members`. */
  static of(capacity: number, ...members: number[]): CpuSet {
    const s = new CpuSet(capacity);
    for (const m of members) s.add(m);
    return s;
  }

  has(i: number): boolean {
    return ((this.words[i >>> 5] >>> (i & 31)) & 1) === 1;
  }

  add(i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31);
  }

  delete(i: number): void {
    this.words[i >>> 5] &= ~(1 << (i & 31));
  }

  clear(): void {
    // a loop, not fill(): the set is one or a few words, and fill is a call into the runtime
    const w = this.words;
    for (let i = 0; i < w.length; i++) w[i] = 0;
  }

  isEmpty(): boolean {
    const w = this.words;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
    return true;
  }

  /** `size` counts the members. */
  get size(): number {
    let n = 0;
    const w = this.words;
    for (let i = 0; i < w.length; i++) n += popcount(w[i]);
    return n;
  }

  /** `first` is the lowest member, or -1 when the set is empty. */
  first(): number {
    return this.next(0);
  }

  /** `next` is the lowest member at or above `from`, or -1. */
  next(from: number): number {
    const w = this.words;
    let k = from >>> 5;
    if (k >= w.length) return -1;
    let bits = w[k] & (~0 << (from & 31));
    for (;;) {
      if (bits !== 0) return (k << 5) + (31 - Math.clz32(bits & -bits));
      if (++k >= w.length) return -1;
      bits = w[k];
    }
  }

  /** `nth` is the `n`-th (0-based) member in increasing order, or -1. */
  nth(n: number): number {
    const w = this.words;
    let left = n;
    for (let k = 0; k < w.length; k++) {
      let bits = w[k];
      const c = popcount(bits);
      if (left >= c) {
        left -= c;
        continue;
      }
      while (left-- > 0) bits &= bits - 1;
      return (k << 5) + (31 - Math.clz32(bits & -bits));
    }
    return -1;
  }

  /** `rank` is how many members are below `i`. */
  rank(i: number): number {
    const w = this.words;
    let n = 0;
    const k = i >>> 5;
    for (let j = 0; j < k && j < w.length; j++) n += popcount(w[j]);
    if (k < w.length && (i & 31) !== 0) n += popcount(w[k] & (((1 << (i & 31)) - 1) >>> 0));
    return n;
  }

  copyFrom(other: CpuSet): void {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) w[i] = o[i];
  }

  /** `clone` is a copy of this set. */
  clone(): CpuSet {
    const s = new CpuSet(this.capacity);
    s.words.set(this.words);
    return s;
  }

  /** `union` adds every member of `other`. */
  union(other: CpuSet): void {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) w[i] |= o[i];
  }

  /** `intersect` keeps only the members also in `other`. */
  intersect(other: CpuSet): void {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) w[i] &= o[i];
  }

  /** `subtract` removes every member of `other`. */
  subtract(other: CpuSet): void {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) w[i] &= ~o[i];
  }

  /** `intersects` says whether the two sets share a member. */
  intersects(other: CpuSet): boolean {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) if ((w[i] & o[i]) !== 0) return true;
    return false;
  }

  equals(other: CpuSet): boolean {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) if (w[i] !== o[i]) return false;
    return true;
  }

  /** `toArray` lists the members in increasing order. */
  toArray(): number[] {
    const out: number[] = [];
    for (let i = this.first(); i >= 0; i = this.next(i + 1)) out.push(i);
    return out;
  }
}

/** `popcount` counts the set bits of a 32-bit word. */
export function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
