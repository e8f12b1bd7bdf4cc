/**
 * `ViolationKind` names what went wrong in an execution: a string that the code raising it has
 * registered with `defineViolationKind`. The engine registers its own six (below); the kernel
 * library registers the kernel's (`page-fault`, `use-after-free`, ...: src/kernel/kinds.ts), and a
 * model may register more.
 */
export type ViolationKind = string;

/** `ViolationKindInfo` is a registered kind and what it means, in one line. */
export interface ViolationKindInfo {
  name: ViolationKind;
  summary: string;
}

/**
 * The registry lives on `globalThis` under a `Symbol.for` key, like `Violation`'s brand: a `.ts`
 * model loaded by the compiled CLI may import a second copy of this module, and the kinds it
 * registers must be the ones the checker knows.
 */
const REGISTRY = Symbol.for('pagerace.violationKinds');

function registry(): Map<string, string> {
  const g = globalThis as { [REGISTRY]?: Map<string, string> };
  g[REGISTRY] ??= new Map();
  return g[REGISTRY];
}

/**
 * `defineViolationKind` registers kind `name` with a one-line `summary` and returns the name, so a
 * module can write `const PAGE_FAULT = defineViolationKind('page-fault', '...')` and raise it.
 * Registering a name twice is allowed (a second copy of a module does); the first summary stays.
 */
export function defineViolationKind(name: string, summary: string): ViolationKind {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new TypeError(
      `defineViolationKind: a kind is lowercase letters, digits and dashes, got ${JSON.stringify(name)}`,
    );
  }
  const kinds = registry();
  if (!kinds.has(name)) kinds.set(name, summary);
  return name;
}

/** `isViolationKind` says whether `name` is a registered kind. */
export function isViolationKind(name: string): boolean {
  return registry().has(name);
}

/** `violationKinds` lists the registered kinds in name order. */
export function violationKinds(): ViolationKindInfo[] {
  return [...registry().entries()]
    .map(([name, summary]) => ({ name, summary }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `ASSERTION`: a check in a program or an oracle failed (`cpu.assert`, an unlock not held). */
export const ASSERTION = defineViolationKind('assertion', 'a check in a program or an oracle failed');
/** `DEADLOCK`: no CPU can step and some have not finished. */
export const DEADLOCK = defineViolationKind('deadlock', 'no CPU can step and some have not finished');
/** `STEP_LIMIT`: an execution took more than --max-steps steps. */
export const STEP_LIMIT = defineViolationKind('step-limit', 'an execution took more steps than --max-steps');
/** `MODEL_ERROR`: the model itself failed (it threw, ran out of frames, touched no memory). */
export const MODEL_ERROR = defineViolationKind('model-error', 'the model itself failed');
/** `DOUBLE_FREE`: a frame was freed while free. */
export const DOUBLE_FREE = defineViolationKind('double-free', 'a frame was freed while it was free');
/** `DATA_RACE`: two CPUs access a word at once, one of them with a plain access (engine/data-race.ts). */
export const DATA_RACE = defineViolationKind(
  'data-race',
  'two CPUs accessed a word concurrently, at least one plainly and one writing',
);
