/**
 * The one interface behind which the MIP solvers sit, and the safe way to call
 * them: solveInWorker runs a backend in a worker thread and kills it if it
 * overruns. The WebAssembly solvers are synchronous and overshoot their own
 * time limits (an LP at a node, presolve, a heuristic are not interrupted), so
 * a solve on the main thread could block it for much longer than asked; the
 * worker gets terminate()d at timeLimit + a margin instead.
 *
 * The model crosses the thread boundary as JSON text with non-finite numbers
 * encoded (row and variable bounds use ±Infinity).
 */

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { SolveRequest, SolveResult } from '../linear-model.js';
import { builtModule, packageRoot } from '../../util/package-root.js';
import { decodeJson, encodeJson, type ProgressListener, type SolveProgress } from './common.js';

export type { ProgressListener, SolveProgress } from './common.js';

export interface SolverBackend {
  name: string;
  /** Whether the solver can be loaded here (an optional package may be missing). */
  available(): Promise<boolean>;
  /**
   * Solves in the calling thread; never throws (failures are status 'error').
   * onProgress, when given, receives the incumbent objective / bound / nodes as
   * the solver reports them (GLPK: every ~5 s; HiGHS: at most every 0.5 s).
   */
  solve(req: SolveRequest, onProgress?: ProgressListener): Promise<SolveResult>;
}

export interface WorkerSolveOptions {
  /**
   * Seconds after the solver starts at which the worker is terminated; by
   * default hardKillSeconds(req.timeLimit). Tests use it to force a kill.
   */
  killAfter?: number;
  /** Progress as the worker streams it (see SolverBackend.solve). */
  onProgress?: ProgressListener;
}

/** Messages from worker.ts to the parent. */
export type WorkerMessage =
  | { type: 'started' }
  | { type: 'progress'; progress: SolveProgress }
  | { type: 'result'; result: string };

/** What worker.ts receives as workerData. */
export interface WorkerInput {
  backend: string;
  /** encodeJson(SolveRequest). */
  request: string;
}

/** Seconds allowed to load the solver in the worker before it is declared stuck. */
const STARTUP_SECONDS = 30;

/** When solveInWorker kills a solve with this time limit: timeLimit + max(0.5 s, 10%) + 0.5 s. */
export function hardKillSeconds(timeLimit: number): number {
  if (!Number.isFinite(timeLimit)) return Infinity;
  const t = Math.max(0, timeLimit);
  return t + Math.max(0.5, 0.1 * t) + 0.5;
}

/**
 * The compiled worker module: worker.js next to this module when running from
 * dist/, else (vitest runs the .ts sources) the one in dist/ under the package root.
 */
export function workerUrl(): URL {
  const url = builtModule('./worker.js', import.meta.url, 'dist', 'src', 'exact', 'solvers', 'worker.js');
  if (url) return url;
  throw new Error(`solver worker not found next to ${fileURLToPath(import.meta.url)} or under ${join(packageRoot(), 'dist')}: run the build (npx tsc -p .) first`);
}

/**
 * Solver threads that finished a solve normally, by backend, waiting for the next one:
 * starting a thread and loading a WebAssembly solver costs 0.2-0.5 s, more than most
 * models take to solve. They are unref'd (they never keep the process alive) and retired
 * after IDLE_SECONDS without work. A thread that was killed or failed is never reused.
 */
const idle = new Map<string, Worker[]>();
const IDLE_SECONDS = 10;
const MAX_IDLE_PER_BACKEND = 2;
const retireTimers = new WeakMap<Worker, NodeJS.Timeout>();

/** A warm thread for the backend, or a new one (which loads it from workerData). */
function takeWorker(url: URL, input: WorkerInput, WorkerThread: typeof Worker): Worker {
  const warm = idle.get(input.backend)?.pop();
  if (!warm) return new WorkerThread(url, { workerData: input });
  clearTimeout(retireTimers.get(warm));
  warm.ref();
  warm.postMessage(input);
  return warm;
}

/** Keeps a thread whose solve ended normally for the next solve of its backend. */
function park(worker: Worker, backend: string): void {
  const list = idle.get(backend) ?? [];
  if (list.length >= MAX_IDLE_PER_BACKEND) {
    worker.terminate().catch(() => undefined);
    return;
  }
  list.push(worker);
  idle.set(backend, list);
  worker.unref();
  const leave = () => {
    const i = list.indexOf(worker);
    if (i >= 0) list.splice(i, 1);
  };
  worker.once('exit', leave);
  const timer = setTimeout(() => {
    leave();
    worker.terminate().catch(() => undefined);
  }, IDLE_SECONDS * 1000);
  timer.unref();
  retireTimers.set(worker, timer);
}

/** Terminates the thread, then calls `done`: waits (2 s at most) for it to be gone, so that its CPU is free again. */
function terminateThen(worker: Worker, done: () => void): void {
  const cap = setTimeout(done, 2000);
  const finish = () => {
    clearTimeout(cap);
    done();
  };
  worker.terminate().then(finish, finish);
}

/**
 * Runs backendName's solve in a worker thread. Resolves, never rejects:
 * - the backend's own result (its seconds replaced by the wall time of this call);
 * - status 'unknown', note 'killed after N s', when the solve overran
 *   killAfter (default hardKillSeconds(timeLimit)); bound and nodes are the last
 *   the worker streamed, the incumbent's values are lost so no objective is given;
 * - status 'error' with the message when the worker crashed or exited early.
 */
export async function solveInWorker(backendName: string, req: SolveRequest, options: WorkerSolveOptions = {}): Promise<SolveResult> {
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  const base = { solver: backendName };

  let url: URL;
  try {
    url = workerUrl();
  } catch (e) {
    return { ...base, status: 'error', seconds: elapsed(), note: (e as Error).message };
  }
  // Loaded on the first solve: a run that needs no solver never loads worker_threads.
  const { Worker: WorkerThread } = await import('node:worker_threads');

  return new Promise<SolveResult>((resolve) => {
    const input: WorkerInput = { backend: backendName, request: encodeJson(req) };
    let worker: Worker;
    try {
      worker = takeWorker(url, input, WorkerThread);
    } catch (e) {
      resolve({ ...base, status: 'error', seconds: elapsed(), note: `cannot start solver worker: ${(e as Error).message}` });
      return;
    }

    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let last: SolveProgress | undefined;

    const settle = (result: SolveResult, terminate: boolean) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (!terminate) {
        resolve(result);
        return;
      }
      terminateThen(worker, () => resolve({ ...result, seconds: elapsed() }));
    };

    const kill = (why: string) => {
      const result: SolveResult = { ...base, status: 'unknown', seconds: elapsed(), note: why };
      if (last?.bound !== undefined && Number.isFinite(last.bound)) result.bound = last.bound;
      if (last?.nodes !== undefined) result.nodes = last.nodes;
      settle(result, true);
    };

    const arm = (seconds: number, onFire: () => void) => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      // setTimeout takes at most 2^31-1 ms; longer limits need no timer.
      if (Number.isFinite(seconds) && seconds * 1000 < 2 ** 31 - 1) {
        timer = setTimeout(onFire, Math.max(0, seconds * 1000));
      }
    };

    const killAfter = options.killAfter ?? hardKillSeconds(req.timeLimit);
    arm(STARTUP_SECONDS, () => kill(`killed after ${elapsed().toFixed(1)} s: the solver did not start within ${STARTUP_SECONDS} s`));

    const onMessage = (message: WorkerMessage) => {
      if (settled) return;
      switch (message.type) {
        case 'started':
          arm(killAfter, () => {
            let note = `killed after ${elapsed().toFixed(1)} s (time limit ${req.timeLimit} s)`;
            if (last?.objective !== undefined) note += `; its incumbent (objective ${last.objective}) was lost`;
            kill(note);
          });
          break;
        case 'progress':
          last = message.progress;
          options.onProgress?.(message.progress);
          break;
        case 'result': {
          let result: SolveResult;
          try {
            result = decodeJson<SolveResult>(message.result);
          } catch (e) {
            result = { ...base, status: 'error', seconds: 0, note: `unreadable worker result: ${(e as Error).message}` };
          }
          settle({ ...result, seconds: elapsed() }, false);
          detach();
          park(worker, backendName);
          break;
        }
      }
    };
    const onError = (error: Error) => {
      settle({ ...base, status: 'error', seconds: elapsed(), note: `solver worker crashed: ${error.message}` }, true);
    };
    const onExit = (code: number) => {
      settle({ ...base, status: 'error', seconds: elapsed(), note: `solver worker exited with code ${code} before giving a result` }, false);
    };
    /** This solve's listeners off the thread, before it waits for another solve. */
    const detach = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
