import type { Execution, LaterViolation } from '../engine/execution.js';
import { ScheduleError } from '../engine/scheduling.js';
import { ReplayScheduler } from '../scheduler/replay.js';

/**
 * `replaysFirst` says whether a later violation of a run that went on past its first one (DPOR)
 * is raised first when its projected schedule is replayed alone on `exec` (the inline executor,
 * free between executions). A projection keeps the steps that the violating step depends on
 * through the operations' footprints; a violation that depends on an earlier one in some other
 * way (ghost state the first violating step wrote between its yields, as a sync records the
 * slots it synced before its postcondition fails) does not come first in it, and happens only
 * after the earlier violation: it is left out, as `Outcome.others` promises. Every projection a
 * search reports is one that replays, so every token it prints does.
 */
export function replaysFirst(exec: Execution, later: LaterViolation): boolean {
  const sched = new ReplayScheduler(later.choices);
  sched.startExecution();
  try {
    const o = exec.run(sched);
    return o.violation?.key === later.violation.key && o.cut === later.choices.length;
  } catch (e) {
    if (e instanceof ScheduleError) return false;
    throw e;
  }
}
