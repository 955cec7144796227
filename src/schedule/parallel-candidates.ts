/**
 * A schedule's candidates (candidates.ts) computed in a worker thread, so that on a large plan
 * the main thread checks the dependency graph (verify.ts, which needs the rules) while the
 * worker simulates the schedules (which need only plain data): on two cores the schedule step
 * then takes about the longer of the two instead of their sum. Same candidates as computed
 * inline; whatever goes wrong with the thread (it cannot start, fails, exits) only means they
 * are computed inline after all.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Objective } from '../model/instance.js';
import { builtModule } from '../util/package-root.js';
import { candidates, type CandidateSet } from './candidates.js';
import { decodeReply, encodeGraphs, encodeInput, packedBuffers, type CandidatesReply, type GraphsMessage, type InputMessage } from './candidates-wire.js';
import type { ScheduleInput } from './makespan.js';
import type { HostLimits, IndexedBounds } from './network-bounds.js';

/**
 * Plans from this many migrations get a thread: starting one and loading its modules costs
 * some 50 ms, which the schedules of 20,000 migrations repay several times.
 */
export const PARALLEL_FROM = 20_000;

type Graphs = readonly (readonly (readonly number[])[])[];

/**
 * A started thread, waiting for its job: the input first (`prepare`, so that the thread starts
 * and unpacks it while the graph is built), then the graphs (`run`).
 */
export interface CandidatesThread {
  /** Sends the input: first, before run. */
  prepare(input: ScheduleInput, objective: Objective, limits: HostLimits): void;
  /**
   * Sends the graphs; the candidates: the thread's (`threaded`, with the makespan bounds of the
   * first graph), or computed here when it failed; undefined once cancelled.
   */
  run(input: ScheduleInput, graphs: Graphs, objective: Objective): Promise<{ found: CandidateSet; threaded: boolean; bounds?: IndexedBounds } | undefined>;
  /** Stops the thread: its candidates are not wanted. */
  cancel(): void;
}

/** A thread for the candidates of a plan of `n` migrations, when there is a second core and n is at least `from`. */
export async function candidatesThread(n: number, from = PARALLEL_FROM): Promise<CandidatesThread> {
  const inline: CandidatesThread = {
    prepare: () => undefined,
    run: async (input, graphs, objective) => ({ found: candidates(input, graphs, objective), threaded: false }),
    cancel: () => undefined,
  };
  if (n < from || availableParallelism() < 2) return inline;
  const url = builtModule('./candidates-worker.js', import.meta.url, 'dist', 'src', 'schedule', 'candidates-worker.js');
  if (!url) return inline;
  let worker: Worker;
  try {
    const { Worker: Thread } = await import('node:worker_threads');
    worker = new Thread(url);
  } catch {
    return inline;
  }
  let cancelled = false;
  let failed = false;
  const reply = new Promise<CandidatesReply | undefined>((resolve) => {
    worker.once('message', (m: CandidatesReply) => resolve(m));
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
  const send = (message: () => InputMessage | GraphsMessage) => {
    if (failed) return;
    try {
      const m = message();
      worker.postMessage(m, packedBuffers(m));
    } catch {
      failed = true;
      void worker.terminate();
    }
  };
  return {
    prepare: (input, objective, limits) => send(() => encodeInput(input, objective, limits)),
    async run(input, graphs, objective) {
      send(() => encodeGraphs(graphs));
      if (failed) return inline.run(input, graphs, objective);
      const r = await reply;
      void worker.terminate();
      if (cancelled) return undefined;
      return r ? { found: decodeReply(r, graphs), threaded: true, bounds: r.bounds } : inline.run(input, graphs, objective);
    },
    cancel() {
      cancelled = true;
      void worker.terminate();
    },
  };
}

