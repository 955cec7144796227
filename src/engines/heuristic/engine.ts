/**
 * The default engine: the greedy wave builder for any size, backed by exhaustive
 * search where the instance is small enough, to prove infeasibility, to find a
 * plan the greedy missed, and to prove or improve the greedy's cost.
 */
import type { EngineRunOptions, Problem } from '../../plugin-api.js';
import type { Plan } from '../../model/plan.js';
import type { Move } from '../../plan/moves.js';
import { movesCost, toWaveDocs } from '../../plan/moves.js';
import { misplacedVms } from '../../model/model.js';
import { greedyWaves } from './greedy.js';
import { searchSequence, type SearchResult } from './search.js';
import { compressSequence } from './compress.js';
import { explainBlocking } from './explain.js';
import { costLowerBound, wavesLowerBound } from '../../plan/bounds.js';
import { migrationSeconds } from '../../schedule/duration.js';

export interface HeuristicOptions {
  /** States the exhaustive search may expand (per run). */
  searchStates: number;
  /** Exhaustive search runs only on instances with at most this many VMs. */
  searchMaxVms: number;
  /** Try to prove or improve the greedy plan's cost by exhaustive search (small instances). */
  improve: boolean;
  /** 'makespan': group long migrations in the same waves to shorten the wave-by-wave duration. */
  objective?: 'cost' | 'makespan';
}

export function solveHeuristic(problem: Problem, options: HeuristicOptions, run: EngineRunOptions): Plan {
  const started = Date.now();
  const deadline = started + (run.timeLimit ?? Infinity) * 1000;
  const { model } = problem;
  const lowerBound = costLowerBound(problem);
  const wavesLb = wavesLowerBound(model);
  const misplaced = misplacedVms(model).length;
  const small = model.vms.length <= options.searchMaxVms;
  const costOf = (waves: Move[][]) => movesCost(problem.cost, waves);
  const stats = (waves: Move[][], extra: Record<string, unknown> = {}) => ({
    moves: waves.reduce((n, w) => n + w.length, 0),
    waves: waves.length,
    seconds: (Date.now() - started) / 1000,
    ...(waves.length ? { detours: waves.reduce((n, w) => n + w.length, 0) - misplaced } : {}),
    ...(Number.isFinite(wavesLb) ? { wavesLowerBound: wavesLb } : {}),
    ...extra,
  });
  const plan = (status: Plan['status'], waves: Move[][], bound: number | null, extra: Record<string, unknown> = {}, explanation?: string[]): Plan => ({
    status, engine: 'heuristic', waves: toWaveDocs(model, waves), cost: status === 'infeasible' || status === 'unknown' ? null : costOf(waves),
    lowerBound: bound, stats: stats(waves, extra), ...(explanation ? { explanation } : {}),
  });

  if (misplaced === 0) return plan('optimal', [], 0);

  const seconds = options.objective === 'makespan' ? model.vms.map((_, v) => migrationSeconds(model, v, model.placement[v]!, model.target[v]!)) : undefined;
  const greedy = greedyWaves(problem, { deadline, seconds, onProgress: run.onProgress ? (d, t) => run.onProgress!(d, t) : undefined });
  const search = (cutoff?: number): SearchResult | undefined =>
    small ? searchSequence(problem, { maxStates: options.searchStates, deadline, cutoff }) : undefined;

  if (greedy.complete) {
    const cost = costOf(greedy.waves);
    if (cost <= lowerBound + 1e-9 * Math.max(1, lowerBound)) return plan('optimal', greedy.waves, lowerBound);
    const better = options.improve ? search(cost) : undefined;
    if (better?.outcome === 'found') {
      const waves = compressSequence(problem, better.moves!);
      const useSearch = better.cost! < cost - 1e-9 || waves.length < greedy.waves.length;
      return plan('optimal', useSearch ? waves : greedy.waves, better.cost!, { searchedStates: better.states });
    }
    const bound = Math.max(lowerBound, better && better.outcome !== 'exhausted' ? better.lowerBound : lowerBound);
    return plan('feasible', greedy.waves, bound, better ? { searchedStates: better.states } : {});
  }

  // The greedy got stuck or gave up: search exhaustively where that is affordable.
  const found = search();
  if (found?.outcome === 'found') {
    return plan('optimal', compressSequence(problem, found.moves!), found.cost!, { searchedStates: found.states });
  }
  if (found?.outcome === 'exhausted') {
    return plan('infeasible', [], null, { searchedStates: found.states }, [
      `no sequence of migrations reaches the target: all ${found.states} reachable placements were searched`,
      ...explainBlocking(problem, model.placement),
    ]);
  }
  const why = greedy.stopped === 'time' || found?.outcome === 'time' ? 'the time limit was reached'
    : greedy.stopped === 'limit' ? 'the parking limit was reached'
    : 'no direct or parking migration was possible';
  const searched = found ? `; exhaustive search gave up after ${found.states} states` : small ? '' : `; the instance is too large for exhaustive search (over ${options.searchMaxVms} VMs)`;
  return plan('unknown', [], Math.max(lowerBound, found?.lowerBound ?? 0), found ? { searchedStates: found.states } : {}, [
    `no plan found within limits: ${why}${searched}`,
    ...explainBlocking(problem, greedy.finalPlacement),
  ]);
}
