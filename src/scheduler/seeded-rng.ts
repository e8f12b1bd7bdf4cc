/**
 * `seedHash` hashes a run's seed string (`--seed`) to the two 32-bit words that, with an
 * execution's index, seed that execution's generator: the two lanes of cyrb53 (bryc, public
 * domain; a 53-bit string hash made of two multiply-xorshift lanes over the UTF-16 code units).
 */
export function seedHash(seed: string): readonly [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < seed.length; i++) {
    const ch = seed.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

/** `SFC32_DISCARD` is how many outputs seeding throws away, so that the index reaches every word. */
const SFC32_DISCARD = 12;

/**
 * `ExecutionRng` is the generator of one execution of a random or pct search: sfc32 (Chris
 * Doty-Humphrey's Small Fast Counting generator from PractRand, 128 bits of state in 32-bit
 * words). Execution `index` of a run whose seed hashes to `(h1, h2)` starts from
 * `a = h1, b = h2, c = index mod 2^32, d = 1 + floor(index / 2^32)` and discards its first 12
 * outputs; `next()` is then the next output divided by 2^32. So the schedule of any execution
 * follows from the seed and its index alone, with two multiplications and a few additions per
 * draw, and nothing allocated per execution.
 */
export class ExecutionRng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** `reseed` positions the generator at the start of execution `index` of the run hashed to `hash`. */
  reseed(hash: readonly [number, number], index: number): void {
    this.a = hash[0] | 0;
    this.b = hash[1] | 0;
    this.c = index | 0;
    this.d = (1 + Math.floor(index / 4294967296)) | 0;
    for (let i = 0; i < SFC32_DISCARD; i++) this.next();
  }

  /** `next` is a uniform number in [0, 1) (32 random bits). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    const c = (this.c << 21) | (this.c >>> 11);
    this.c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
}
