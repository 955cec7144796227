/**
 * The embedded queue: a bounded FIFO in this process, jobs run in the worker-thread
 * pool, finished jobs kept (the most recent `retain`) for their results.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { JobRequest, Outcome, Progress } from './jobs.js';
import { Metrics, retryAfter } from './metrics.js';
import type { SolvePool } from './pool.js';
import { isFinal, type JobEvent, type JobQueue, type JobState, type JobView, type QueueCounts, type Submitted } from './queue.js';

interface LocalJob extends JobView {
  request: JobRequest;
  timeLimit: number;
  submitted: number;
  started?: number;
  abort?: AbortController;
}

export interface LocalQueueOptions { pool: SolvePool; maxQueue: number; metrics: Metrics; retain?: number }

export class LocalQueue implements JobQueue {
  private readonly jobs = new Map<string, LocalJob>();
  private readonly pending: LocalJob[] = [];
  private readonly events = new EventEmitter();
  private running = 0;
  private closing = false;
  private readonly settled: Array<Promise<void>> = [];

  constructor(private readonly options: LocalQueueOptions) {
    this.events.setMaxListeners(0);
  }

  async submit(request: JobRequest, timeLimit: number): Promise<Submitted> {
    if (this.pending.length >= this.options.maxQueue) {
      this.options.metrics.reject();
      return { full: true, retryAfter: retryAfter(this.options.metrics, this.pending.length, this.options.pool.threads) };
    }
    const job: LocalJob = { id: randomUUID(), kind: request.kind, state: 'queued', request, timeLimit, submitted: Date.now() };
    this.jobs.set(job.id, job);
    this.pending.push(job);
    this.evictFinished();
    this.pump();
    return { id: job.id };
  }

  async get(id: string): Promise<JobView | undefined> {
    const job = this.jobs.get(id);
    return job && view(job);
  }

  async request(id: string): Promise<JobRequest | undefined> {
    return this.jobs.get(id)?.request;
  }

  async cancel(id: string): Promise<JobView | undefined> {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (job.state === 'queued') {
      this.pending.splice(this.pending.indexOf(job), 1);
      this.finish(job, 'cancelled');
    } else if (job.state === 'running') {
      job.abort!.abort();
      this.finish(job, 'cancelled');
    }
    return view(job);
  }

  subscribe(id: string, listener: (e: JobEvent) => void): () => void {
    this.events.on(id, listener);
    return () => this.events.off(id, listener);
  }

  async counts(): Promise<QueueCounts> {
    return { queued: this.pending.length, running: this.running };
  }

  async close(drainSeconds: number): Promise<void> {
    this.closing = true;
    for (const job of this.pending.splice(0)) this.finish(job, 'cancelled');
    const drained = Promise.all(this.settled).then(() => true);
    const timer = new Promise<boolean>((resolve) => setTimeout(resolve, drainSeconds * 1000, false).unref());
    if (!(await Promise.race([drained, timer]))) {
      for (const job of this.jobs.values()) if (job.state === 'running') await this.cancel(job.id);
    }
    await this.options.pool.close();
  }

  private pump(): void {
    while (!this.closing && this.running < this.options.pool.threads && this.pending.length) this.start(this.pending.shift()!);
  }

  private start(job: LocalJob): void {
    job.state = 'running';
    job.worker = 'local';
    job.started = Date.now();
    job.abort = new AbortController();
    this.running++;
    this.events.emit(job.id, { type: 'state', state: 'running' } satisfies JobEvent);
    const onProgress = (progress: Progress) => {
      if (job.state !== 'running') return;
      job.progress = progress;
      this.events.emit(job.id, { type: 'progress', progress } satisfies JobEvent);
    };
    const settled = this.options.pool.run(job.request, { signal: job.abort.signal, onProgress, timeLimit: job.timeLimit })
      .then((outcome) => this.finish(job, outcome.state, outcome), () => this.finish(job, 'cancelled'))
      .finally(() => {
        this.running--;
        this.settled.splice(this.settled.indexOf(settled), 1);
        this.pump();
      });
    this.settled.push(settled);
  }

  private finish(job: LocalJob, state: JobState, outcome?: Outcome): void {
    if (isFinal(job.state)) return;
    job.state = state;
    if (outcome) job.outcome = outcome;
    const now = Date.now();
    const waited = ((job.started ?? now) - job.submitted) / 1000;
    this.options.metrics.finish(job.kind, state, waited, job.started ? (now - job.started) / 1000 : undefined);
    this.events.emit(job.id, { type: 'state', state } satisfies JobEvent);
  }

  /** Forgets the oldest finished jobs beyond `retain` (Map iteration is insertion order). */
  private evictFinished(): void {
    const retain = this.options.retain ?? 10_000;
    if (this.jobs.size <= retain) return;
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= retain) break;
      if (isFinal(job.state)) this.jobs.delete(id);
    }
  }
}

function view(job: LocalJob): JobView {
  return { id: job.id, kind: job.kind, state: job.state, progress: job.progress, outcome: job.outcome, worker: job.worker };
}
