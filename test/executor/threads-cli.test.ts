import { describe, expect, it } from 'vitest';
import { pagerace, untimed } from '../helpers/cli.js';

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
