/** Puts the pieces together: a queue (in-process or Redis), the HTTP app, and a graceful shutdown. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../util/package-root.js';
import { buildApp } from './app.js';
import { LocalQueue } from './local-queue.js';
import { Metrics } from './metrics.js';
import { SolvePool } from './pool.js';
import type { JobQueue } from './queue.js';

export interface ServiceOptions {
  /** Worker threads that solve (in-process queue). */
  workers: number;
  /** Jobs that may wait for a worker before submissions get 429. */
  maxQueue: number;
  /** Default and largest time limit of a job, in seconds. */
  timeLimit: number;
  /** Largest request body, in bytes. */
  bodyLimit: number;
  /** A Redis URL: jobs go to a BullMQ queue that `shunt worker` processes take them from. */
  redis?: string;
  /** User plugin directories (--plugins). */
  pluginDirs?: string[];
  logger?: boolean;
}

export interface Service {
  app: FastifyInstance;
  queue: JobQueue;
  /** Stops taking jobs, cancels queued ones, lets running ones finish for drainSeconds (then cancels them), closes. */
  close(drainSeconds?: number): Promise<void>;
}

export const version = () => (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;

async function makeQueue(options: ServiceOptions, metrics: Metrics): Promise<JobQueue> {
  if (!options.redis) return new LocalQueue({ pool: new SolvePool(options.workers, options.pluginDirs), maxQueue: options.maxQueue, metrics });
  const { RedisQueue } = await import('./redis-queue.js');
  return RedisQueue.connect({ url: options.redis, maxQueue: options.maxQueue, metrics });
}

export async function createService(options: ServiceOptions): Promise<Service> {
  const metrics = new Metrics();
  const queue = await makeQueue(options, metrics);
  let closing = false;
  const app = await buildApp({ queue, metrics, maxTimeLimit: options.timeLimit, version: version(), pluginDirs: options.pluginDirs ?? [], closing: () => closing, bodyLimit: options.bodyLimit, logger: options.logger });
  return {
    app,
    queue,
    async close(drainSeconds = 30) {
      if (closing) return;
      closing = true;
      await queue.close(drainSeconds);
      await app.close();
    },
  };
}
