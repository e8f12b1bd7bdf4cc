/**
 * The explorer worker: a Piscina task that runs one unit of parallel exploration on the inline
 * executor. Policy lives in src/explore/parallel-task.ts.
 */
import { threadId } from 'node:worker_threads';
import { type ExplorerTask, handleExplorerTask } from '../src/explore/parallel-task.js';

export default function explorer(task: ExplorerTask) {
  return handleExplorerTask(task, threadId);
}
