/**
 * `shunt worker`: takes jobs from the Redis queue and runs them in its own worker-thread
 * pool (the event loop stays free to renew the job locks). A worker that dies loses its
 * locks; after lockSeconds another worker's stalled check puts the job back in the queue.
 */
import { hostname } from 'node:os';
import { Worker, UnrecoverableError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { logErrors, probeRedis } from './redis-connection.js';
import { SolvePool } from './pool.js';
import { QUEUE_NAME, cancelKey, type QueuedJob, type WorkerResult } from './redis-queue.js';

export interface WorkerOptions {
  url: string;
  /** Jobs run at once (worker threads). */
  concurrency: number;
  /** Name recorded on each job it runs. */
  name?: string;
  /** How long a job's lock lasts without renewal: how soon a dead worker's job is retried. */
  lockSeconds: number;
  /** User plugin directories (--plugins), the same as the server's. */
  pluginDirs?: string[];
  /** Told of each job this worker finishes (its id and final state). */
  log?: (line: string) => void;
}

const CANCEL_POLL_MS = 250;

export interface RunningWorker { name: string; close(): Promise<void> }

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  await probeRedis(options.url);
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const pool = new SolvePool(options.concurrency, options.pluginDirs);
  const redis = new Redis(options.url, { maxRetriesPerRequest: null });

  const processor = async (job: Job<QueuedJob, WorkerResult>, _token?: string, signal?: AbortSignal): Promise<WorkerResult> => {
    const abort = new AbortController();
    signal?.addEventListener('abort', () => abort.abort());
    const poll = setInterval(() => {
      redis.exists(cancelKey(job.id!)).then((n) => { if (n) abort.abort(); }, () => undefined);
    }, CANCEL_POLL_MS);
    // The last progress update reaches Redis before the job completes (SSE clients see it).
    let reported: Promise<void> = Promise.resolve();
    try {
      const outcome = await pool.run(job.data.request, {
        signal: abort.signal, timeLimit: job.data.timeLimit,
        onProgress: (p) => { reported = reported.then(() => job.updateProgress(p)).catch(() => undefined); },
      });
      await reported;
      options.log?.(`${name} finished job ${job.id} (${outcome.state})`);
      return { ...outcome, worker: name };
    } catch (e) {
      options.log?.(`${name} finished job ${job.id} (${abort.signal.aborted ? 'cancelled' : 'failed'})`);
      if (abort.signal.aborted) throw new UnrecoverableError('cancelled');
      throw e;
    } finally {
      clearInterval(poll);
    }
  };

  const lockDuration = options.lockSeconds * 1000;
  const worker = new Worker<QueuedJob, WorkerResult>(QUEUE_NAME, processor, {
    connection: { url: options.url }, concurrency: options.concurrency, name,
    lockDuration, stalledInterval: lockDuration, maxStalledCount: 1,
  });
  for (const emitter of [worker, redis]) logErrors(emitter);
  await worker.waitUntilReady();
  return {
    name,
    async close() {
      await worker.close();
      await pool.close();
      redis.disconnect();
    },
  };
}
