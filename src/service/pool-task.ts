/**
 * The pool worker's side: runs one job and sends its progress back on the port it
 * was given, at most every PROGRESS_MS (a solve may report thousands of steps).
 */
import type { MessagePort } from 'node:worker_threads';
import { runJob, type JobRequest, type Outcome, type Progress } from './jobs.js';

export interface PoolTask { request: JobRequest; timeLimit?: number; pluginDirs?: string[]; port?: MessagePort }

const PROGRESS_MS = 100;

/** Marks the end of a task's progress messages. */
export const END = 'end';

export default async function runTask(task: PoolTask): Promise<Outcome> {
  let last = 0;
  const onProgress = task.port ? (p: Progress) => {
    const now = Date.now();
    if (now - last < PROGRESS_MS && p.done < p.total) return;
    last = now;
    task.port!.postMessage(p);
  } : undefined;
  try {
    return await runJob(task.request, { timeLimit: task.timeLimit, pluginDirs: task.pluginDirs, onProgress });
  } finally {
    // The last message: everything posted before it has arrived when the parent sees it.
    task.port?.postMessage(END);
    task.port?.close();
  }
}
