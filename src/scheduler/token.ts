import { isValueStep } from '../engine/scheduling.js';

/**
 * A replay token is the printed form of a schedule plus what it needs to be replayed alone: the
 * model, the variant, the step bound and the settings that shape the machine. `vN.` then
 * base64url of:
 *
 * ```
 * v1: u8 1 | str model | str variant | varint maxSteps | varint runs | runs x (varint choice, varint length) | u32 FNV-1a of all before
 * v2: u8 2 | str model | str variant | varint maxSteps | varint settings | settings x (str key, str value)
 *     | varint runs | runs x (zigzag step, varint length) | u32 FNV-1a of all before
 * ```
 *
 * where `str` is a varint length and UTF-8 bytes. Choices are run-length encoded: a CPU that
 * runs several steps in a row costs two bytes. v2 keeps each step's kind (a data choice is
 * negative, engine/scheduling.ts) and the settings (`param.tasks=8`, `memory-model=tso`, ...), in
 * key order; a schedule with neither is still written as v1, which reads the same everywhere.
 */
export const TOKEN_VERSION = 2;

/** `ReplaySpec` is everything a token carries. */
export interface ReplaySpec {
  model: string;
  variant: string;
  maxSteps: number;
  choices: number[];
  /** what shapes the machine beyond the variant (parameters, memory model, ...); empty by default */
  settings?: Record<string, string>;
}

/** `TokenError` says a token cannot be read, and why. */
export class TokenError extends Error {
  override name = 'TokenError';
}

function fnv1a(bytes: Uint8Array, end: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

class Writer {
  readonly bytes: number[] = [];
  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`token: cannot encode ${n}`);
    while (n >= 0x80) {
      this.bytes.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.bytes.push(n);
  }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.varint(b.length);
    for (const x of b) this.bytes.push(x);
  }
}

class Reader {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly end: number,
  ) {}
  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.end) throw new TokenError('the token is truncated: copy it again from the report');
      const b = this.bytes[this.pos++];
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 49) throw new TokenError('the token is corrupt (a number is too long)');
    }
  }
  str(): string {
    const len = this.varint();
    if (this.pos + len > this.end)
      throw new TokenError('the token is truncated: copy it again from the report');
    const s = new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }
}

/** `encodeToken` prints a replay spec as a token. */
export function encodeToken(spec: ReplaySpec): string {
  const settings = Object.entries(spec.settings ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const version = settings.length > 0 || spec.choices.some(isValueStep) ? 2 : 1;
  const w = new Writer();
  w.bytes.push(version);
  w.str(spec.model);
  w.str(spec.variant);
  w.varint(spec.maxSteps);
  if (version === 2) {
    w.varint(settings.length);
    for (const [k, v] of settings) {
      w.str(k);
      w.str(v);
    }
  }
  const runs: [number, number][] = [];
  for (const c of spec.choices) {
    const last = runs[runs.length - 1];
    if (last && last[0] === c) last[1]++;
    else runs.push([c, 1]);
  }
  w.varint(runs.length);
  for (const [c, len] of runs) {
    w.varint(version === 2 ? zigzag(c) : c);
    w.varint(len);
  }
  const body = Uint8Array.from(w.bytes);
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, fnv1a(body, body.length));
  return `v${version}.${Buffer.from(out).toString('base64url')}`;
}

/** zigzag maps a step (negative for data choices) to a non-negative varint and back */
function zigzag(n: number): number {
  return n < 0 ? -2 * n - 1 : 2 * n;
}

function unzigzag(z: number): number {
  return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
}

/** `decodeToken` reads a token back; a corrupt, truncated or foreign token throws `TokenError`. */
export function decodeToken(token: string): ReplaySpec {
  const m = /^v(\d+)\.([A-Za-z0-9_-]+)$/.exec(token.trim());
  if (!m)
    throw new TokenError(`'${abbreviate(token)}' is not a pagerace replay token (they look like v1.AQ...)`);
  const version = Number(m[1]);
  if (version < 1 || version > TOKEN_VERSION) {
    throw new TokenError(
      `token version ${version} is not supported: this pagerace reads v1 to v${TOKEN_VERSION} tokens`,
    );
  }
  const bytes = new Uint8Array(Buffer.from(m[2], 'base64url'));
  if (bytes.length < 5) throw new TokenError('the token is truncated: copy it again from the report');
  const end = bytes.length - 4;
  const sum = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(end);
  if (sum !== fnv1a(bytes, end))
    throw new TokenError('the token is corrupt (checksum mismatch): copy it again from the report');
  if (bytes[0] !== version)
    throw new TokenError(
      `token version ${bytes[0]} is not supported: this pagerace reads v1 to v${TOKEN_VERSION} tokens`,
    );
  const r = new Reader(bytes, end);
  r.pos = 1;
  try {
    const model = r.str();
    const variant = r.str();
    const maxSteps = r.varint();
    const settings: Record<string, string> = {};
    if (version === 2) {
      const n = r.varint();
      for (let i = 0; i < n; i++) {
        const k = r.str();
        settings[k] = r.str();
      }
    }
    const runs = r.varint();
    const choices: number[] = [];
    for (let i = 0; i < runs; i++) {
      const c = version === 2 ? unzigzag(r.varint()) : r.varint();
      const len = r.varint();
      if (choices.length + len > 100_000_000)
        throw new TokenError('the token is corrupt (schedule too long)');
      for (let k = 0; k < len; k++) choices.push(c);
    }
    if (r.pos !== end) throw new TokenError('the token is corrupt (trailing bytes)');
    return { model, variant, maxSteps, choices, settings };
  } catch (e) {
    if (e instanceof TokenError) throw e;
    throw new TokenError('the token is corrupt: copy it again from the report');
  }
}

function abbreviate(s: string): string {
  return s.length > 24 ? `${s.slice(0, 21)}...` : s;
}
