import { PAGE_SHIFT, PAGE_SIZE, WORD_SIZE } from './layout.js';

/**
 * `Symbols` names physical addresses for traces: named words (`pgd_lock`, `counter`) and named
 * frames, whose words print as `name[index]` (`init_mm.pgd[462]`). Frames allocated during an
 * execution are named by the tag of the allocation and their frame number (`pud@7`).
 */
export class Symbols {
  private readonly words = new Map<number, string>();
  private readonly staticFrames = new Map<number, string>();
  private readonly dynamicFrames = new Map<number, string>();

  /** `nameWord` names one 64-bit word. */
  nameWord(addr: number, name: string): void {
    this.words.set(addr, name);
  }

  /** `nameFrame` names a frame that exists before the first execution. */
  nameFrame(frame: number, name: string): void {
    this.staticFrames.set(frame, name);
  }

  /** `tagFrame` names a frame allocated during the current execution. */
  tagFrame(frame: number, tag: string): void {
    this.dynamicFrames.set(frame, `${tag}@${frame}`);
  }

  /** `resetExecution` forgets the names of frames allocated by the previous execution. */
  resetExecution(): void {
    this.dynamicFrames.clear();
  }

  /** `staticFrameName` is the name a frame was given before the first execution, if any. */
  staticFrameName(frame: number): string | undefined {
    return this.staticFrames.get(frame);
  }

  /** `frameName` is the name of a frame: its static name, its allocation tag, or `frame N`. */
  frameName(frame: number): string {
    return this.dynamicFrames.get(frame) ?? this.staticFrames.get(frame) ?? `frame${frame}`;
  }

  /** `addrName` names a physical address: a word name, or `frame[index]` (+ byte offset if unaligned). */
  addrName(addr: number): string {
    return this.nameOf(addr, this.frameName(addr >>> PAGE_SHIFT));
  }

  /**
   * `stableAddrName` is `addrName` without allocation tags (a frame allocated in the execution is
   * `frameN`), which are only kept while tracing: what a violation's message may say.
   */
  stableAddrName(addr: number): string {
    const frame = addr >>> PAGE_SHIFT;
    return this.nameOf(addr, this.staticFrames.get(frame) ?? `frame${frame}`);
  }

  private nameOf(addr: number, frameName: string): string {
    const word = this.words.get(addr);
    if (word !== undefined) return word;
    const offset = addr & (PAGE_SIZE - 1);
    const index = Math.floor(offset / WORD_SIZE);
    const rest = offset % WORD_SIZE;
    return `${frameName}[${index}]${rest ? `+${rest}` : ''}`;
  }
}
