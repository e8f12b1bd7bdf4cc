import { describe, expect, it } from 'vitest';
import { pagerace } from '../helpers/cli.js';

/** the times (summary line, table column, and the column's width in its header) are the only thing that may differ between two runs */
const untimed = (s: string) =>
  s
    .replace(/, (\d+(\.\d+)?s|\d+m\d\ds)\)$/gm, ')')
    .replace(/ +(\d+(\.\d+)?s|\d+m\d\ds) {2}(ok|MISMATCH)$/gm, ' $3')
    .replace(/ +time$/gm, ' time');

describe('pagerace check --executor threads', () => {
  it('lost-update, peterson and lock-order: the same report as the inline executor', () => {
    const args = ['check', 'lost-update', 'peterson', 'lock-order', '--no-out'];
    const inline = pagerace([...args, '--executor', 'inline']);
    const threads = pagerace([...args, '--executor', 'threads']);
    expect(inline.code).toBe(0);
    expect(threads.code).toBe(0);
    expect(untimed(threads.stdout)).toBe(untimed(inline.stdout));
  });

  it('--executor fibers is refused with one line and exit 2', () => {
    const r = pagerace(['check', 'lost-update', '--executor', 'fibers', '--no-out']);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      "pagerace: --executor must be inline or threads, got 'fibers'",
    ]);
  });
});
