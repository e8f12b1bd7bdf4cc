import { describe, expect, it } from 'vitest';
import { defineViolationKind, isViolationKind, violationKinds } from '../../src/engine/violation-kinds.js';
import { modelProblem } from '../../src/model/define.js';

describe('violation kinds are registered by the code that raises them', () => {
  it('the engine registers its five; the kernel library its own when loaded', async () => {
    const engine = ['assertion', 'deadlock', 'double-free', 'model-error', 'step-limit'];
    for (const k of engine) expect(isViolationKind(k)).toBe(true);
    await import('../../src/kernel/kinds.js');
    expect(violationKinds().find((k) => k.name === 'page-fault')?.summary).toBe(
      'a kernel access the hardware walk cannot translate',
    );
  });

  it('a second copy of the registry module sees the same kinds (a .ts model under the built CLI)', async () => {
    const url = `${new URL('../../src/engine/violation-kinds.ts', import.meta.url).href}?copy=2`;
    const copy = (await import(
      /* @vite-ignore */ url
    )) as typeof import('../../src/engine/violation-kinds.js');
    expect(copy.defineViolationKind).not.toBe(defineViolationKind);
    copy.defineViolationKind('test-copy-kind', 'registered by a second copy');
    expect(isViolationKind('test-copy-kind')).toBe(true);
  });

  it('a bad name is refused; registering twice keeps the first summary', () => {
    expect(() => defineViolationKind('Bad Kind', 'x')).toThrow(
      'defineViolationKind: a kind is lowercase letters, digits and dashes, got "Bad Kind"',
    );
    defineViolationKind('test-twice', 'first');
    defineViolationKind('test-twice', 'second');
    expect(violationKinds().find((k) => k.name === 'test-twice')?.summary).toBe('first');
  });

  it('a variant expecting an unregistered kind is a model problem naming the known kinds', () => {
    const problem = modelProblem({
      name: 'm',
      summary: 's',
      variants: { v: { summary: 's', expect: { violation: 'pagefault' }, build: () => null } },
    });
    expect(problem).toMatch(
      /^model m: variant v expects violation 'pagefault', which no loaded code defines \(known kinds: assertion, .*deadlock.*\); a kind of your own needs defineViolationKind\('pagefault', summary\)$/,
    );
  });
});
