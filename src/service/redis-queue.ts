/**
 * The queue beyond one machine: jobs in a BullMQ queue in Redis, taken by `shunt worker`
 * processes anywhere; progress and results come back through Redis (QueueEvents).
 * Cancellation is a marker key that the worker holding the job polls.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { logErrors, probeRedis } from './redis-connection.js';
import type { JobKind, JobRequest, Outcome, Progress } from './jobs.js';
import { type Metrics, retryAfter } from './metrics.js';
import type { JobEvent, JobQueue, JobState, JobView, QueueCounts, Submitted } from './queue.js';

export const QUEUE_NAME = 'shunt-jobs';
/** Kept for an hour (and at most this many) after they finish, for their results. */
const KEEP = { age: 3600, count: 10_000 };

export const cancelKey = (id: string) => `shunt:cancelled:${id}`;

/** What a job carries through Redis, and what a worker returns. */
export interface QueuedJob { request: JobRequest; timeLimit: number }
export type WorkerResult = Outcome & { worker: string };

const QUEUED = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

export interface RedisQueueOptions { url: string; maxQueue: number; metrics: Metrics }

export class RedisQueue implements JobQueue {
  private readonly local = new EventEmitter();

  private constructor(
    private readonly options: RedisQueueOptions,
    private readonly queue: Queue<QueuedJob, WorkerResult>,
    private readonly queueEvents: QueueEvents,
    private readonly redis: Redis,
  ) {
    this.local.setMaxListeners(0);
    this.listen();
  }

  static async connect(options: RedisQueueOptions): Promise<RedisQueue> {
    await probeRedis(options.url);
    const connection = { url: options.url };
    const queue = new Queue<QueuedJob, WorkerResult>(QUEUE_NAME, { connection });
    const queueEvents = new QueueEvents(QUEUE_NAME, { connection });
    const redis = new Redis(options.url, { maxRetriesPerRequest: null });
    for (const emitter of [queue, queueEvents, redis]) logErrors(emitter);
    await Promise.all([queue.waitUntilReady(), queueEvents.waitUntilReady()]);
    return new RedisQueue(options, queue, queueEvents, redis);
  }

  async submit(request: JobRequest, timeLimit: number): Promise<Submitted> {
    const waiting = await this.queue.getJobCountByTypes('waiting', 'prioritized', 'delayed');
    if (waiting >= this.options.maxQueue) {
      this.options.metrics.reject();
      const workers = Math.max(1, await this.queue.getWorkersCount());
      return { full: true, retryAfter: retryAfter(this.options.metrics, waiting, workers) };
    }
    const id = randomUUID();
    await this.queue.add(request.kind, { request, timeLimit }, { jobId: id, removeOnComplete: KEEP, removeOnFail: KEEP });
    return { id };
  }

  async get(id: string): Promise<JobView | undefined> {
    const job = await Job.fromId<QueuedJob, WorkerResult>(this.queue, id);
    const cancelled = await this.redis.get(cancelKey(id));
    if (!job) return cancelled ? { id, kind: cancelled as JobKind, state: 'cancelled' } : undefined;
    return this.view(job, (await job.getState()) as string, cancelled !== null);
  }

  /** BullMQ keeps the request in the job's data for as long as it keeps the job. */
  async request(id: string): Promise<JobRequest | undefined> {
    return (await Job.fromId<QueuedJob, WorkerResult>(this.queue, id))?.data.request;
  }

  async cancel(id: string): Promise<JobView | undefined> {
    const job = await Job.fromId<QueuedJob, WorkerResult>(this.queue, id);
    if (!job) return this.get(id);
    const state = (await job.getState()) as string;
    if (state !== 'active' && !QUEUED.has(state)) return this.view(job, state, false);
    await this.redis.set(cancelKey(id), job.name, 'EX', KEEP.age);
    // A queued job is removed at once; a running one is stopped by its worker, which polls the marker.
    if (QUEUED.has(state)) await job.remove().catch(() => undefined);
    this.local.emit(id, { type: 'state', state: 'cancelled' } satisfies JobEvent);
    return { id, kind: job.name as JobKind, state: 'cancelled' };
  }

  subscribe(id: string, listener: (e: JobEvent) => void): () => void {
    this.local.on(id, listener);
    return () => this.local.off(id, listener);
  }

  async counts(): Promise<QueueCounts> {
    const [queued, running] = await Promise.all([this.queue.getJobCountByTypes('waiting', 'prioritized', 'delayed'), this.queue.getActiveCount()]);
    return { queued, running };
  }

  /** Jobs live in Redis: they outlive this server, and any server on the same Redis answers for them. */
  async close(): Promise<void> {
    await Promise.all([this.queueEvents.close(), this.queue.close()]);
    this.redis.disconnect();
  }

  private view(job: Job<QueuedJob, WorkerResult>, state: string, cancelled: boolean): JobView {
    const kind = job.name as JobKind;
    const progress = typeof job.progress === 'object' ? (job.progress as unknown as Progress) : undefined;
    const base = { id: job.id!, kind, ...(job.processedBy ? { worker: job.processedBy } : {}) };
    if (state === 'completed') {
      const { worker, ...outcome } = job.returnvalue;
      return { ...base, state: outcome.state, outcome, worker };
    }
    if (cancelled) return { ...base, state: 'cancelled' };
    if (state === 'failed') return { ...base, state: 'failed', outcome: { state: 'failed', error: { exitCode: 1, message: `internal error: ${job.failedReason}` } } };
    return { ...base, state: state === 'active' ? 'running' : 'queued', ...(progress ? { progress } : {}) };
  }

  /** Turns Redis's job events into this server's events and metrics. */
  private listen(): void {
    const emit = (id: string, e: JobEvent) => this.local.emit(id, e);
    this.queueEvents.on('active', ({ jobId }) => emit(jobId, { type: 'state', state: 'running' }));
    this.queueEvents.on('progress', ({ jobId, data }) => {
      if (typeof data === 'object') emit(jobId, { type: 'progress', progress: data as unknown as Progress });
    });
    const finished = async (jobId: string) => {
      const view = await this.get(jobId).catch(() => undefined);
      if (!view) return;
      emit(jobId, { type: 'state', state: view.state as JobState });
      const job = await Job.fromId(this.queue, jobId).catch(() => undefined);
      if (job?.finishedOn) this.options.metrics.finish(view.kind, view.state, ((job.processedOn ?? job.finishedOn) - job.timestamp) / 1000, job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : undefined);
    };
    this.queueEvents.on('completed', ({ jobId }) => void finished(jobId));
    this.queueEvents.on('failed', ({ jobId }) => void finished(jobId));
  }
}
