/**
 * A worker-thread pool (piscina) that runs jobs off the event loop, with a hard
 * time limit: a solve that overruns its limit, or is cancelled, has its thread
 * terminated (piscina does that on abort) and a replacement started.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { packageRoot } from '../util/package-root.js';
import { EXIT_CODE, type JobRequest, type Outcome, type Progress } from './jobs.js';
import { END, type PoolTask } from './pool-task.js';

/** The compiled task module: next to this file when it runs from dist/, else (vitest runs sources) in dist/. */
function taskUrl(): string {
  const here = new URL('./pool-task.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here.href;
  const built = join(packageRoot(), 'dist', 'src', 'service', 'pool-task.js');
  if (existsSync(built)) return pathToFileURL(built).href;
  throw new Error(`pool task not found at ${fileURLToPath(here)} or ${built}: run the build first`);
}

/** Seconds a job may overrun its time limit (the engine stops itself; this is the backstop). */
export const hardLimit = (timeLimit: number) => timeLimit * 1.2 + 5;

/** Waits for the task's END message; a second at most (it always comes unless the thread died). */
async function untilEnd(endSeen: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([endSeen, new Promise<void>((resolve) => { timer = setTimeout(resolve, 1000); })]);
  clearTimeout(timer);
}

export interface PoolRun { signal?: AbortSignal; onProgress?: (p: Progress) => void; timeLimit: number }

export class SolvePool {
  private readonly pool: Piscina<PoolTask, Outcome>;

  constructor(readonly threads: number, private readonly pluginDirs: string[] = []) {
    // No atomics: an idle thread keeps its event loop (a job's port and the solvers' own workers use it).
    this.pool = new Piscina({ filename: taskUrl(), minThreads: threads, maxThreads: threads, idleTimeout: 60_000, atomics: 'disabled' });
  }

  /** Runs a job to its outcome (an overrun is a failed outcome); rejects when options.signal cancels it. */
  async run(request: JobRequest, options: PoolRun): Promise<Outcome> {
    const { port1, port2 } = new MessageChannel();
    let ended: () => void = () => undefined;
    const endSeen = new Promise<void>((resolve) => { ended = resolve; });
    port1.on('message', (p: Progress | typeof END) => (p === END ? ended() : options.onProgress?.(p)));
    const timeout = AbortSignal.timeout(hardLimit(options.timeLimit) * 1000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const outcome = await this.pool.run({ request, timeLimit: options.timeLimit, pluginDirs: this.pluginDirs, port: port2 }, { transferList: [port2], signal });
      await untilEnd(endSeen); // the task's last progress messages come on their own port
      return outcome;
    } catch (e) {
      if (options.signal?.aborted) throw e;
      if (timeout.aborted) return { state: 'failed', error: { exitCode: EXIT_CODE.unknown, message: `stopped: the job ran past its time limit of ${options.timeLimit} s` } };
      return { state: 'failed', error: { exitCode: EXIT_CODE.internal, message: `internal error: ${(e as Error).message}` } };
    } finally {
      port1.close();
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
