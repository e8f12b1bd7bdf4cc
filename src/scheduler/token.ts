import { isValueStep, stepValue, valueStep } from '../engine/scheduling.js';

/**
 * A replay token is the printed form of a schedule plus what it needs to be replayed alone: the
 * model, the variant and the step bound. `v1.` or `v2.`, then base64url of:
 *
 * ```
 * v1: u8 1 | str model | str variant | varint maxSteps | varint runs | runs x (varint choice, varint length) | u32 FNV-1a of all before
 * v2: u8 2 | str model | str file | str variant | varint maxSteps | varint runs | runs x (varint step, varint length) | u32 FNV-1a
 * ```
 *
 * where `str` is a varint length and UTF-8 bytes. Steps are run-length encoded: a CPU that runs
 * several steps in a row costs two bytes.
 *
 * v1 is the token of a bundled model (`model` is its name); its steps are not tagged (a data
 * choice is written as its value). v2 is the token of a model file: `model` is the model's name
 * and `file` the file's path relative to the working directory where the check ran, with `/`
 * separators, so that a token made on one clone replays on another; `replay` loads that file
 * only when the user names it (`--model FILE`). A v2 step is tagged: CPU c as 2c, value v as
 * 2v + 1. Bundled models keep v1, so every token printed before v2 still replays.
 */
export const TOKEN_VERSION = 1;
/** `FILE_TOKEN_VERSION` is the version of the tokens of model files. */
export const FILE_TOKEN_VERSION = 2;

/** `ReplaySpec` is everything a token carries. */
export interface ReplaySpec {
  /** the bundled model's name; in a v2 token, the name of the model the file defines */
  model: string;
  /** v2: the model file, relative to the working directory of the check that printed it */
  file?: string;
  variant: string;
  maxSteps: number;
  choices: number[];
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

/** `encodeToken` prints a replay spec as a token: v2 when it names a model file, else v1. */
export function encodeToken(spec: ReplaySpec): string {
  const version = spec.file === undefined ? TOKEN_VERSION : FILE_TOKEN_VERSION;
  const w = new Writer();
  w.bytes.push(version);
  w.str(spec.model);
  if (spec.file !== undefined) w.str(spec.file);
  w.str(spec.variant);
  w.varint(spec.maxSteps);
  const runs: [number, number][] = [];
  // v1 does not tag data choices (engine/scheduling.ts): they are written as their value
  for (const step of spec.choices) {
    const c = version === TOKEN_VERSION ? stepValue(step) : isValueStep(step) ? 2 * ~step + 1 : 2 * step;
    const last = runs[runs.length - 1];
    if (last && last[0] === c) last[1]++;
    else runs.push([c, 1]);
  }
  w.varint(runs.length);
  for (const [c, len] of runs) {
    w.varint(c);
    w.varint(len);
  }
  const body = Uint8Array.from(w.bytes);
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, fnv1a(body, body.length));
  return `v${version}.${Buffer.from(out).toString('base64url')}`;
}

const SUPPORTED = `this pagerace reads v${TOKEN_VERSION} and v${FILE_TOKEN_VERSION} tokens`;

/** `decodeToken` reads a token back; a corrupt, truncated or foreign token throws `TokenError`. */
export function decodeToken(token: string): ReplaySpec {
  const m = /^v(\d+)\.([A-Za-z0-9_-]+)$/.exec(token.trim());
  if (!m)
    throw new TokenError(`'${abbreviate(token)}' is not a pagerace replay token (they look like v1.AQ...)`);
  const version = Number(m[1]);
  if (version !== TOKEN_VERSION && version !== FILE_TOKEN_VERSION) {
    throw new TokenError(`token version ${version} is not supported: ${SUPPORTED}`);
  }
  const bytes = new Uint8Array(Buffer.from(m[2], 'base64url'));
  if (bytes.length < 5) throw new TokenError('the token is truncated: copy it again from the report');
  const end = bytes.length - 4;
  const sum = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(end);
  if (sum !== fnv1a(bytes, end))
    throw new TokenError('the token is corrupt (checksum mismatch): copy it again from the report');
  if (bytes[0] !== version) throw new TokenError(`token version ${bytes[0]} is not supported: ${SUPPORTED}`);
  const r = new Reader(bytes, end);
  r.pos = 1;
  try {
    const model = r.str();
    const file = version === FILE_TOKEN_VERSION ? r.str() : undefined;
    const variant = r.str();
    const maxSteps = r.varint();
    const runs = r.varint();
    const choices: number[] = [];
    for (let i = 0; i < runs; i++) {
      const x = r.varint();
      const c = version === TOKEN_VERSION ? x : x % 2 === 1 ? valueStep((x - 1) / 2) : x / 2;
      const len = r.varint();
      if (choices.length + len > 100_000_000)
        throw new TokenError('the token is corrupt (schedule too long)');
      for (let k = 0; k < len; k++) choices.push(c);
    }
    if (r.pos !== end) throw new TokenError('the token is corrupt (trailing bytes)');
    return file === undefined
      ? { model, variant, maxSteps, choices }
      : { model, file, variant, maxSteps, choices };
  } catch (e) {
    if (e instanceof TokenError) throw e;
    throw new TokenError('the token is corrupt: copy it again from the report');
  }
}

function abbreviate(s: string): string {
  return s.length > 24 ? `${s.slice(0, 21)}...` : s;
}
