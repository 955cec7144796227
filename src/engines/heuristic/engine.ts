/**
 * The default engine: the greedy wave builder for any size; proven bounds (deadlocks
 * included) that often prove its cost optimal at once; exhaustive search on each
 * independent part small enough for it (to prove infeasibility, to find a plan the
 * greedy missed, and to prove or improve its cost); then wave compaction, and for a plan
 * far above its waves bound (very full clouds) justification (justify.ts). Every search
 * works within a state budget and the deadline, and the greedy's plan is kept whatever
 * happens afterwards.
 */
import type { EngineRunOptions, Problem } from '../../plugin-api.js';
import type { Plan } from '../../model/plan.js';
import type { Move } from '../../plan/moves.js';
import { movesCost, toWaveDocs } from '../../plan/moves.js';
import { misplacedVms } from '../../model/model.js';
import { greedyWaves, type GreedyOptions, type GreedyResult } from './greedy.js';
import { explainBlocking } from './explain.js';
import { provenBounds } from '../../plan/bounds.js';
import { compactWaves } from '../../plan/compact.js';
import { independentParts } from '../../plan/decompose.js';
import { migrationSeconds } from '../../schedule/duration.js';
import { verifyPlan } from '../../verify/replay.js';
import { improveParts, type PartOutcome } from './parts.js';
import { ROOM_VARIANTS } from './room-order.js';
import { justifyWaves } from './justify.js';

export interface HeuristicOptions {
  /** Placements the exhaustive search may store, over the whole run (bounds its memory). */
  searchStates: number;
  /** Exhaustive search runs on independent parts with at most this many VMs that can move. */
  searchMaxVms: number;
  /** Try to prove or improve the greedy plan's cost by exhaustive search (small parts). */
  improve: boolean;
  /** 'makespan': group long migrations in the same waves to shorten the wave-by-wave duration. */
  objective?: 'cost' | 'makespan';
  /** Seconds when the run gives none (default 60). */
  defaultTimeLimit?: number;
  /** Clock (default Date.now): tests inject one to check that deadlines hold. */
  now?: () => number;
}

/** Share of the time limit the engine itself uses; the rest is for verification and the schedule. */
const ENGINE_SHARE = 0.8;
/** Compaction keeps one state per wave: at most this many waves x VMs, each run for at most this share of the limit. */
const COMPACT_CELLS = 6_000_000;
const COMPACT_SHARE = 0.1;
/** Other greedy orders are tried only within this share of the engine's time, and when the waves exceed this ratio to their bound. */
const GREEDY_SHARE = 0.3;
const GOOD_WAVES = 1.15;
/** The room-aware orders (very full clouds) are tried only when the first plan has more waves than this ratio to their bound, within this share. */
const CROWDED_WAVES = 1.5;
const CROWDED_SHARE = 0.6;
/** A crowded plan is re-timed (justify.ts) until this share of the engine's time at most. */
const JUSTIFY_SHARE = 0.9;

export function solveHeuristic(problem: Problem, options: HeuristicOptions, run: EngineRunOptions): Plan {
  const now = options.now ?? Date.now;
  const started = now();
  const limit = (run.timeLimit ?? options.defaultTimeLimit ?? 60) * 1000;
  // Searches stop at the deadline; compaction of the plan they found may run a little longer.
  const deadline = started + limit * ENGINE_SHARE;
  const hardStop = started + limit * (ENGINE_SHARE + 0.05);
  const { model } = problem;
  const misplaced = misplacedVms(model).length;
  const costOf = costMemo(problem);
  if (misplaced === 0) return result(problem, 'optimal', [], 0, { seconds: 0 }, 0);

  const bounds = provenBounds(problem);
  const base = (extra: Record<string, unknown>) => ({
    seconds: (now() - started) / 1000,
    ...(Number.isFinite(bounds.waves) ? { wavesLowerBound: bounds.waves } : {}),
    ...(bounds.deadlocks.length ? { deadlocks: bounds.deadlocks.length } : {}),
    ...extra,
  });
  const seconds = options.objective === 'makespan' ? model.vms.map((_, v) => migrationSeconds(model, v, model.placement[v]!, model.target[v]!)) : undefined;
  const meetsBound = (cost: number) => cost <= bounds.cost + 1e-9 * Math.max(1, bounds.cost);
  const greedy = greedyPortfolio(problem, {
    deadline, now, seconds, onProgress: run.onProgress ? (d, t) => run.onProgress!(d, t) : undefined,
    spare: (ms, crowded) => now() + ms < started + (deadline - started) * (crowded ? CROWDED_SHARE : GREEDY_SHARE),
    good: (g) => g.complete && meetsBound(costOf(g.waves)) && g.waves.length <= GOOD_WAVES * bounds.waves,
    crowded: (g) => !g.complete || g.waves.length > CROWDED_WAVES * bounds.waves,
  }, costOf);
  // Compaction pays where the greedy made detours (parking, returns, repairs): its direct moves already start as early as they can.
  const compacted = (waves: Move[][]) => (movesIn(waves) === misplaced ? waves
    : keepValid(problem, waves, compactWaves(problem, waves, { deadline: Math.min(hardStop, now() + Math.max(2000, COMPACT_SHARE * limit)), now, maxCells: COMPACT_CELLS })));

  // Crowded plans (very full clouds) are re-timed to fewer waves, same migrations, before they are returned.
  const justified = (waves: Move[][]) => (waves.length <= CROWDED_WAVES * bounds.waves ? waves
    : keepValid(problem, waves, justifyWaves(problem, waves, { deadline: started + (deadline - started) * JUSTIFY_SHARE, now, maxCells: COMPACT_CELLS, floor: bounds.waves })));

  // The greedy's plan, compacted at once: whatever the searches do next, it stands.
  let best = greedy.complete ? compacted(greedy.waves) : undefined;
  if (best && meetsBound(costOf(best))) {
    best = justified(best);
    return result(problem, 'optimal', best, bounds.cost, base({}), misplaced, costOf, undefined,
      bounds.cost > lowerBoundOfMoves(problem) ? ['heuristic: cost proven optimal by the deadlock lower bound (no search needed)'] : undefined);
  }

  // Exhaustive search part by part, where a part is small enough.
  const wanted = !best || options.improve;
  const parts = wanted ? independentParts(problem, { budget: 1_000_000 }) : [];
  const outcome: PartOutcome = improveParts(problem, parts, {
    greedy, improve: options.improve, maxVms: options.searchMaxVms, maxStates: options.searchStates, deadline, now,
  });
  if (outcome.infeasible) {
    return result(problem, 'infeasible', [], null, base({ searchedStates: outcome.states }), misplaced, costOf, [
      `no sequence of migrations reaches the target: all ${outcome.states} reachable placements of an independent part (${outcome.infeasible.length} hosts) were searched`,
      ...explainBlocking(problem, model.placement),
    ]);
  }
  const searchedWaves = outcome.waves && compacted(outcome.waves);
  if (searchedWaves && improvesOn(searchedWaves, best, costOf)) {
    best = searchedWaves;
  }
  const searched = outcome.states ? { searchedStates: outcome.states } : {};
  const lowerBound = Math.max(bounds.cost, outcome.lowerBound);
  if (best) {
    const waves = justified(best);
    const proven = outcome.proven || meetsBound(costOf(waves)) || costOf(waves) <= lowerBound + 1e-9 * Math.max(1, lowerBound);
    return result(problem, proven ? 'optimal' : 'feasible', waves, proven ? costOf(waves) : lowerBound, base(searched), misplaced, costOf);
  }

  return result(problem, 'unknown', [], lowerBound, base(searched), misplaced, costOf, [
    noPlanFound(greedy, outcome, options.searchMaxVms),
    ...explainBlocking(problem, greedy.finalPlacement),
  ]);
}

/** The searched plan replaces the best one when there is none, or it is cheaper, or as cheap in fewer waves. */
function improvesOn(searched: Move[][], best: Move[][] | undefined, costOf: (waves: Move[][]) => number): boolean {
  return !best || costOf(searched) < costOf(best) - 1e-9 || (costOf(searched) <= costOf(best) + 1e-9 && searched.length < best.length);
}

/** Why neither the greedy nor the searches found a plan, as the explanation's first line. */
function noPlanFound(greedy: GreedyResult, outcome: PartOutcome, searchMaxVms: number): string {
  const why = greedy.stopped === 'time' || outcome.timedOut ? 'the time limit was reached'
    : greedy.stopped === 'limit' ? 'the parking limit was reached'
    : 'no direct or parking migration was possible';
  const unsearched = outcome.tooLarge ? `; ${outcome.tooLarge} independent part(s) too large for exhaustive search (over ${searchMaxVms} VMs that can move)` : '';
  const gaveUp = outcome.states ? `; exhaustive search gave up after ${outcome.states} states` : '';
  return `no plan found within limits: ${why}${gaveUp}${unsearched}`;
}

/**
 * The greedy in its orders, best plan kept (complete first, then cheaper, then fewer waves).
 * The others run only while the best plan is not good and another run (as long as the first)
 * fits in the time spared for them; the room-aware ones only when the first plan is crowded
 * (far more waves than their bound, or incomplete), and then with a larger share of the time.
 */
function greedyPortfolio(
  problem: Problem,
  o: Omit<GreedyOptions, 'order'> & { now: () => number; spare: (ms: number, crowded: boolean) => boolean; good: (g: GreedyResult) => boolean; crowded: (g: GreedyResult) => boolean },
  costOf: (waves: Move[][]) => number,
): GreedyResult {
  const better = (a: GreedyResult, b: GreedyResult) => {
    if (a.complete !== b.complete) return a.complete;
    if (!a.complete) return false;
    const [ca, cb] = [costOf(a.waves), costOf(b.waves)];
    const eps = 1e-9 * Math.max(1, cb);
    return ca < cb - eps || (ca <= cb + eps && a.waves.length < b.waves.length);
  };
  const t0 = o.now();
  let best = greedyWaves(problem, { ...o, order: 'chains' });
  const oneRun = o.now() - t0;
  // Room-aware variants (very full clouds) after the plain orders, with more of the time: there they are the main lever.
  const crowded = o.crowded(best);
  const variants = [{ order: 'hosts-then-chains' as const }, { order: 'hosts' as const }, ...(crowded ? ROOM_VARIANTS : [])];
  for (const variant of variants) {
    if (o.good(best) || !o.spare(oneRun, crowded)) break;
    const other = greedyWaves(problem, { ...o, ...variant });
    if (better(other, best)) best = other;
  }
  return best;
}

/** The plain bound (each misplaced VM once), to say where a proof came from. */
function lowerBoundOfMoves(problem: Problem): number {
  const { model, cost } = problem;
  let sum = 0;
  for (let v = 0; v < model.vms.length; v++) if (model.placement[v] !== model.target[v]) sum += cost.minCost?.(v) ?? cost.cost(v, model.placement[v]!, model.target[v]!);
  return sum;
}

/** The compacted plan when it replays cleanly, else the plan it came from (already valid). */
function keepValid(problem: Problem, before: Move[][], after: Move[][]): Move[][] {
  if (after.length >= before.length) return before;
  return verifyPlan(problem, toWaveDocs(problem.model, after)).valid ? after : before;
}

/** The plan's cost, computed once per plan (the same waves are priced by several tests): plans are not changed once built. */
function costMemo(problem: Problem): (waves: Move[][]) => number {
  const known = new WeakMap<Move[][], number>();
  return (waves) => {
    let c = known.get(waves);
    if (c === undefined) known.set(waves, c = movesCost(problem.cost, waves));
    return c;
  };
}

function movesIn(waves: Move[][]): number {
  let n = 0;
  for (const w of waves) n += w.length;
  return n;
}

function result(
  problem: Problem, status: Plan['status'], waves: Move[][], bound: number | null, stats: Record<string, unknown>,
  misplaced: number, costOf: (waves: Move[][]) => number = (w) => movesCost(problem.cost, w), explanation?: string[], notes?: string[],
): Plan {
  const moves = movesIn(waves);
  const found = status === 'optimal' || status === 'feasible';
  return {
    status, engine: 'heuristic', waves: toWaveDocs(problem.model, waves),
    cost: found ? costOf(waves) : null,
    lowerBound: bound,
    stats: { moves, waves: waves.length, ...(waves.length ? { detours: moves - misplaced } : {}), ...stats } as Plan['stats'],
    ...(explanation ? { explanation } : {}),
    ...(notes ? { notes } : {}),
  };
}
