import { renameSync, writeFileSync } from 'node:fs';

/** `writeAtomic` writes a file so that a reader never sees half of it: temp file, then rename. */
export function writeAtomic(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}
