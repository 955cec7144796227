/**
 * Runs jobs on a few worker threads so that the campaign survives anything an engine
 * does to one instance: each worker has a heap limit (an out-of-memory ends the worker,
 * not the campaign) and a hard-kill timer armed when the engine starts (the engine's
 * limit plus 10 %, plus a second of grace). A dead or killed worker is replaced.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../../src/util/package-root.js';
import { failedResult, lateAfter, type InstanceResult, type Truth } from './evaluate.js';
import type { EngineStarted, Job, JobRequest, WorkerReply } from './protocol.js';

export interface PoolOptions {
  workers: number;
  /** Heap limit per worker (MiB). */
  memoryMb: number;
  /** Longest generation plus oracle before a worker counts as hung (seconds). */
  prepareLimit: number;
  request(job: Job, id: number): JobRequest;
  onResult(result: InstanceResult): void;
}

const GRACE_SECONDS = 1;

/** The compiled worker next to this module, or under dist/ when this runs from the sources (tests). */
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (here.protocol === 'file:' && existsSync(fileURLToPath(here))) return here;
  const built = `${packageRoot()}/dist/bench/fuzz/worker.js`;
  if (existsSync(built)) return pathToFileURL(built);
  throw new Error(`fuzz worker not found at ${fileURLToPath(here)} or ${built}: run npm run build first`);
}

const noTruth = (): Truth => ({ oracle: { status: 'skipped', states: 0, seconds: 0 }, disagreements: [] });

class Slot {
  private worker: Worker | undefined;

  constructor(private readonly url: URL, private readonly options: PoolOptions) {}

  /** Runs one job; always resolves with a result, whatever happens to the worker. */
  run(request: JobRequest): Promise<InstanceResult> {
    const worker = (this.worker ??= new Worker(this.url, { resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb } }));
    return new Promise((resolve) => {
      let started: EngineStarted | undefined;
      let startedAt = 0;
      const unknownShape = { family: request.family, seed: request.seed, index: request.index, shape: '?', doc: { hosts: [], vms: [], placement: {} }, timeLimit: request.timeLimit ?? 0 };
      const failed = (outcome: 'crash' | 'timeout', message: string): InstanceResult => {
        const seconds = started ? (performance.now() - startedAt) / 1000 : undefined;
        const shape = started ? { ...unknownShape, shape: started.shape, timeLimit: started.timeLimit } : unknownShape;
        const result = failedResult(shape, started?.truth ?? noTruth(), outcome, message, seconds);
        if (started) { result.hosts = started.hosts; result.vms = started.vms; }
        return result;
      };
      const finish = (result: InstanceResult, dead: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (dead) {
          if (this.worker === worker) this.worker = undefined;
          void worker.terminate();
        }
        resolve(result);
      };
      const kill = (outcome: 'crash' | 'timeout', message: string) => finish(failed(outcome, message), true);
      let timer = setTimeout(() => kill('crash', `fuzzer: generation and oracle took more than ${this.options.prepareLimit} s`), this.options.prepareLimit * 1000);
      const onMessage = (message: WorkerReply) => {
        if (message.id !== request.id) return;
        if (message.type === 'done') { finish(message.result, false); return; }
        started = message;
        startedAt = performance.now();
        clearTimeout(timer);
        const limit = lateAfter(message.timeLimit) + GRACE_SECONDS;
        timer = setTimeout(() => kill('timeout', `no answer within ${limit.toFixed(1)} s (limit ${message.timeLimit} s): killed`), limit * 1000);
      };
      const onError = (error: Error) => kill('crash', `worker died: ${error.message}`.slice(0, 500));
      const onExit = (code: number) => kill('crash', `worker exited with code ${code}`);
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}

/** Runs every job, `workers` at a time, reporting each result as it arrives. */
export async function runJobs(jobs: readonly Job[], options: PoolOptions): Promise<void> {
  const url = workerUrl();
  let next = 0;
  const slots = Array.from({ length: Math.max(1, Math.min(options.workers, jobs.length)) }, () => new Slot(url, options));
  await Promise.all(slots.map(async (slot) => {
    try {
      while (next < jobs.length) {
        const id = next++;
        options.onResult(await slot.run(options.request(jobs[id]!, id)));
      }
    } finally {
      await slot.close();
    }
  }));
}
