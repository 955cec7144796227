/** What the HTTP layer needs of a job queue; the in-process and the Redis queue both provide it. */
import type { JobKind, JobRequest, Outcome, Progress } from './jobs.js';

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'done', 'failed', 'cancelled'];
export const isFinal = (s: JobState) => s === 'done' || s === 'failed' || s === 'cancelled';

export interface JobView {
  id: string;
  kind: JobKind;
  state: JobState;
  progress?: Progress;
  outcome?: Outcome;
  /** The worker that ran it (the Redis queue's worker name, or "local"). */
  worker?: string;
}

export type JobEvent = { type: 'progress'; progress: Progress } | { type: 'state'; state: JobState };

export type Submitted = { id: string } | { full: true; retryAfter: number };

export interface QueueCounts { queued: number; running: number }

export interface JobQueue {
  /** Queues a job that passed its checks, or says the queue is full and when to retry. */
  submit(request: JobRequest, timeLimit: number): Promise<Submitted>;
  get(id: string): Promise<JobView | undefined>;
  /** The request the job was submitted with (the same object, not a copy, where the queue holds it in memory). */
  request(id: string): Promise<JobRequest | undefined>;
  /** Cancels a queued or running job; a finished job is left as it is. */
  cancel(id: string): Promise<JobView | undefined>;
  /** Calls the listener on each progress report and state change until unsubscribed. */
  subscribe(id: string, listener: (e: JobEvent) => void): () => void;
  counts(): Promise<QueueCounts>;
  /** Stops taking jobs, cancels queued ones, lets running ones finish for drainSeconds, then cancels them. */
  close(drainSeconds: number): Promise<void>;
}
