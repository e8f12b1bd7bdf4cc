import { readFileSync } from 'node:fs';

/** `TICK_MS`: the kernel's clock tick, the unit of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

/**
 * `threadCpuMs` is the CPU time (user and system) the calling thread has used, in milliseconds,
 * from /proc/thread-self/stat (Linux; 10 ms resolution), or -1 where there is no such file.
 * Node 20 has no per-thread CPU clock: `process.cpuUsage` counts every thread of the process.
 */
export function threadCpuMs(): number {
  let stat: string;
  try {
    stat = readFileSync('/proc/thread-self/stat', 'latin1');
  } catch {
    return -1;
  }
  // the command name, field 2, is in parentheses and may hold spaces: count from after it
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14 and 15 of the file (utime, stime) are 11 and 12 after the name
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks * TICK_MS : -1;
}
