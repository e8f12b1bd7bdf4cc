/**
 * `tolerateClosedPipes` keeps a reader that goes away (`pagerace check ... | head -1`) from
 * crashing the run with an EPIPE stack: what is written to a closed stdout or stderr is dropped,
 * and the run goes on to write its report files and exit with its own code.
 */
export function tolerateClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') return;
      throw e;
    });
  }
}
