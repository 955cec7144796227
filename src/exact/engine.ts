/**
 * The exact engine: the heuristic's plan first (an upper bound, a horizon and the
 * fallback), then time-indexed integer programs, solved in a worker by a solver
 * backend, that ask for a strictly better plan: first a cheaper one, then (cost
 * settled) one with fewer waves. "No such plan" from the solver is a proof. It
 * reports exactly what was proven and how.
 */
import type { EngineRunOptions, Problem } from '../plugin-api.js';
import type { Plan } from '../model/plan.js';
import type { Move } from '../plan/moves.js';
import { movesCost, toWaveDocs } from '../plan/moves.js';
import { misplacedVms } from '../model/model.js';
import { costLowerBound, wavesLowerBound } from '../plan/bounds.js';
import { solveHeuristic, type HeuristicOptions } from '../engines/heuristic/engine.js';
import { TimeIndexedModel, type VmClass } from './time-indexed.js';
import { modelSize } from './linear-model.js';
import { solveInWorker } from './solvers/backend.js';
import { migrationSeconds } from '../schedule/duration.js';

export interface ExactOptions {
  solver: string;
  /** Relative gap at which the solver may stop (0: prove optimality). */
  gap: number;
  /**
   * 'cost': cheapest plan, then fewest waves; 'waves': fewest waves, then cheapest;
   * 'makespan': shortest estimated wave-by-wave duration among plans no costlier and no
   * longer (in waves) than the heuristic's.
   */
  objective: 'cost' | 'waves' | 'makespan';
  /** Waves in the model; default: from the heuristic's plan and the cost bounds. */
  horizon?: number;
  /** Waves beyond the heuristic's when the horizon is chosen automatically. */
  extraWaves: number;
  /** Refuse models with more integer variables than this. */
  maxVariables: number;
  /** Use the horizon that holds every cheaper plan when its model has at most this many integer variables. */
  completeModelVariables: number;
  /** Seconds when the run gives no time limit. */
  defaultTimeLimit: number;
  heuristic: HeuristicOptions;
}

/** The exact engine cannot run with this policy. */
export class ExactUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExactUnsupportedError';
  }
}

/** Why the exact engine cannot take the problem, or undefined when it can. */
export function exactUnsupported(problem: Problem): string | undefined {
  const missing = problem.rules.filter((r) => !r.formulation).map((r) => r.name);
  if (missing.length) return `the exact engine needs a linear formulation for every rule; ${missing.map((n) => `"${n}"`).join(', ')} has none`;
  if (problem.cost.dependsOnRoute) return `the exact engine needs a cost that depends only on the VM; "${problem.cost.name}" depends on the hosts`;
  return undefined;
}

/** One model solved: what it asked, what the solver said. */
interface Attempt {
  seeking: string;
  horizon: number;
  complete: boolean;
  variables: number;
  integers: number;
  rows: number;
  nonZeros: number;
  classes: { flexible: number; direct: number };
  solverStatus?: string;
  objective?: number;
  bound?: number;
  gap?: number;
  nodes?: number;
  solveSeconds?: number;
  outcome: string;
}

export async function solveExact(problem: Problem, o: ExactOptions, run: EngineRunOptions): Promise<Plan> {
  const why = exactUnsupported(problem);
  if (why) throw new ExactUnsupportedError(why);
  const started = Date.now();
  const deadline = started + (run.timeLimit ?? o.defaultTimeLimit) * 1000;
  const { model, cost } = problem;
  const misplaced = misplacedVms(model);
  const lowerBound = costLowerBound(problem);
  const wavesLb = Math.max(misplaced.length ? 1 : 0, wavesLowerBound(model));
  const costs = model.vms.map((_, v) => cost.minCost?.(v) ?? cost.cost(v, model.placement[v]!, model.target[v]!));
  const misplacedSet = new Set(misplaced);
  const movable = (v: number) => problem.rules.every((r) => r.movable?.(v) ?? true);
  const attempts: Attempt[] = [];
  const secondsLeft = () => (deadline - Date.now()) / 1000;

  // 1. The heuristic: an upper bound on cost, a horizon, and the answer if the solver fails.
  const h = solveHeuristic(problem, o.objective === 'makespan' ? { ...o.heuristic, objective: 'makespan' } : o.heuristic, { timeLimit: Math.max(1, secondsLeft() * 0.2) });
  const toMoves = (p: Plan): Move[][] => p.waves.map((w) => w.migrations.map((m) => ({ vm: model.vmIndex.get(m.vm)!, from: model.hostIndex.get(m.from)!, to: model.hostIndex.get(m.to)! })));
  let best = { waves: toMoves(h), cost: h.cost ?? Infinity, found: h.status === 'optimal' || h.status === 'feasible' };
  let costProven = h.status === 'optimal';
  let wavesProven = false;
  const notes: string[] = [];

  const finish = (): Plan => {
    const moves = best.waves.reduce((n, w) => n + w.length, 0);
    const status: Plan['status'] = !best.found ? (h.status === 'infeasible' ? 'infeasible' : 'unknown') : costProven ? 'optimal' : 'feasible';
    const bound = !best.found ? (h.status === 'infeasible' ? null : h.lowerBound) : costProven ? best.cost : Math.max(lowerBound, h.lowerBound ?? 0, ...attempts.map((a) => a.complete && a.bound !== undefined ? costPartOf(a) : 0));
    return {
      status, engine: 'exact', waves: toWaveDocs(model, best.found ? best.waves : []),
      cost: best.found ? best.cost : null, lowerBound: bound,
      stats: {
        moves, waves: best.waves.length, seconds: (Date.now() - started) / 1000,
        ...(best.found ? { detours: moves - misplaced.length } : {}), wavesLowerBound: wavesLb,
        exact: { solver: o.solver, objective: o.objective, costProven, wavesProven, heuristic: { status: h.status, cost: h.cost, waves: h.waves.length }, attempts },
      },
      notes: notes.map((n) => `exact: ${n}`),
      ...(h.explanation && !best.found ? { explanation: h.explanation } : {}),
    };
  };
  // The bound an attempt proved on cost (its objective bound less the most the waves can weigh).
  let lastWaveWeight = 0;
  const costPartOf = (a: Attempt) => (a.bound ?? 0) - a.horizon * lastWaveWeight;

  if (h.status === 'infeasible' || misplaced.length === 0) return { ...h, engine: 'exact' };
  if (!best.found) notes.push('the heuristic found no plan; the model searches from scratch');

  // Isolated migration times (no link sharing: one migration per link at a time by default).
  const seconds = model.vms.map((_, v) => migrationSeconds(model, v, model.placement[v]!, model.target[v]!));
  const makespanOf = (waves: Move[][]) => waves.reduce((sum, w) => sum + Math.max(0, ...w.map((m) => migrationSeconds(model, m.vm, m.from, m.to))), 0);
  const phases: Array<'cost' | 'waves' | 'makespan'> = o.objective === 'cost' ? ['cost', 'waves'] : o.objective === 'waves' ? ['waves', 'cost'] : ['makespan'];
  for (const phase of phases) {
    if (secondsLeft() <= 0.5) { notes.push('time limit reached before every phase ran'); break; }
    if (phase === 'cost' && (costProven || (best.found && best.cost <= lowerBound + 1e-9 * Math.max(1, lowerBound)))) { costProven = true; continue; }
    if (phase === 'waves' && best.found && best.waves.length <= wavesLb) { wavesProven = true; continue; }
    if (phase === 'waves' && o.objective === 'cost' && !costProven) continue; // waves only matter among the cheapest plans
    // A better plan that is not proven lowers the bar: ask again, with a smaller model.
    let outcome = await attempt(phase);
    while (outcome === 'improved' && phase !== 'makespan' && secondsLeft() > 1) outcome = await attempt(phase);
    if (outcome !== 'proven') break;
  }
  if (costProven && wavesProven) notes.push('proven optimal: cheapest cost, and fewest waves at that cost');
  else if (costProven) notes.push('cost proven optimal; waves not proven minimal');
  return finish();

  /**
   * Builds and solves one model asking for a strictly better plan: 'proven' (this phase is
   * settled), 'improved' (a better plan, not proven best) or 'stop'.
   */
  async function attempt(phase: 'cost' | 'waves' | 'makespan'): Promise<'proven' | 'improved' | 'stop'> {
    const upper = best.found ? best.cost : Infinity;
    const integral = costs.every((x) => Number.isInteger(x)) && (!best.found || Number.isInteger(upper));
    const step = integral ? 1 : 1e-6 * Math.max(1, Math.abs(upper));
    // Extra cost (beyond each misplaced VM moving once) a wanted plan may spend.
    const budget = !best.found ? Infinity : phase === 'cost' ? upper - lowerBound - step : upper - lowerBound;
    const classOf = (v: number): VmClass => {
      if (!movable(v)) return 'fixed';
      const extra = misplacedSet.has(v) ? costs[v]! : 2 * costs[v]!;
      if (extra <= budget + 1e-9 * Math.max(1, Math.abs(budget))) return 'flexible';
      return misplacedSet.has(v) ? 'direct' : 'fixed';
    };
    const flexible = model.vms.map((vm) => vm.index).filter((v) => classOf(v) === 'flexible');
    const cheapest = Math.min(...flexible.map((v) => costs[v]!));
    // A plan with M migrations runs one at a time in M waves: a horizon of maxMoves holds them all.
    const maxMoves = !Number.isFinite(budget) ? Infinity
      : flexible.length === 0 ? misplaced.length
      : cheapest > 0 ? misplaced.length + Math.floor(budget / cheapest + 1e-9) : Infinity;
    const hWaves = best.found ? best.waves.length : Infinity;
    // Prefer the complete horizon (a proof either way) while its model stays affordable.
    const shortHorizon = Math.max(1, o.horizon ?? (phase === 'makespan' && best.found ? hWaves : phase === 'waves' && best.found ? hWaves - 1
      : Math.min(maxMoves, (Number.isFinite(hWaves) ? Math.max(hWaves, wavesLb) : Math.max(wavesLb, misplaced.length)) + o.extraWaves)));
    const build = (horizon: number) => {
      const unit = integral ? 1 : Math.max(1e-6, Math.min(...costs.filter((x) => x > 0), 1) * 1e-3);
      const costScale = 1 / ((Number.isFinite(upper) ? upper : costs.reduce((x, y) => x + 2 * y, 0)) + 1);
      const waveWeight = phase === 'makespan' ? 0 : phase === 'cost' || o.objective === 'cost' ? unit / (horizon + 1) : 1;
      const costWeight = phase === 'makespan' ? 1e-3 * costScale : phase === 'waves' && o.objective === 'waves' ? costScale : 1;
      const maxCost = !best.found ? undefined : phase === 'cost' ? upper - step : upper;
      const ip = new TimeIndexedModel(problem, { waves: horizon, classOf, costWeight, waveWeight, maxCost, ...(phase === 'makespan' ? { durations: seconds, durationWeight: 1 } : {}) });
      return { ip, size: modelSize(ip.toLinearModel('shunt')), waveWeight };
    };
    let horizon = shortHorizon;
    let built = build(horizon);
    if (o.horizon === undefined && phase === 'cost' && Number.isFinite(maxMoves) && maxMoves > horizon) {
      const full = build(maxMoves);
      if (full.size.integers <= o.completeModelVariables) { horizon = maxMoves; built = full; }
    }
    const { ip, size, waveWeight } = built;
    lastWaveWeight = waveWeight;
    // The makespan model never claims a proof: it holds only plans within the heuristic's cost and waves.
    const complete = phase === 'makespan' ? false : phase === 'waves' ? best.found && horizon >= hWaves - 1 : horizon >= maxMoves;

    const a: Attempt = {
      seeking: phase === 'cost' ? (best.found ? `a plan cheaper than ${upper}` : 'any plan')
        : phase === 'makespan' ? `a shorter wave-by-wave duration than ${makespanOf(best.waves).toFixed(1)} s, costing at most ${upper}`
        : `a plan with fewer than ${hWaves} waves`,
      horizon, complete, ...size,
      classes: { flexible: flexible.length, direct: misplaced.filter((v) => classOf(v) === 'direct').length },
      outcome: '',
    };
    attempts.push(a);
    const none = (how: string) => {
      a.outcome = `none exists within ${horizon} waves (${how})`;
      if (!complete) { notes.push(`no ${phase === 'cost' ? 'cheaper plan' : phase === 'makespan' ? 'shorter plan' : 'plan with fewer waves'} within ${horizon} waves (${how}); longer plans were not searched`); return 'stop'; }
      if (phase === 'cost') { costProven = best.found; notes.push(`no cheaper plan exists (${how})`); }
      else { wavesProven = best.found; notes.push(`no plan of this cost has fewer waves (${how})`); }
      return best.found ? 'proven' : 'stop';
    };
    if (ip.impossible.length) return none(`${ip.impossible[0]} cannot hold`);
    if (size.integers > o.maxVariables) {
      a.outcome = 'not solved: model too large';
      notes.push(`model too large (${size.integers} integer variables > ${o.maxVariables}); the heuristic's plan stands`);
      return 'stop';
    }
    run.onProgress?.(0, 1, `solving ${size.integers} integer variables, ${size.rows} rows with ${o.solver}`);
    // The solver's own limit leaves room for its overshoot before the hard kill (which loses its incumbent).
    const result = await solveInWorker(o.solver, { model: ip.toLinearModel('shunt'), timeLimit: Math.max(0.5, secondsLeft() * 0.85), gap: o.gap });
    Object.assign(a, { solverStatus: result.status, objective: result.objective, bound: result.bound, gap: result.gap, nodes: result.nodes, solveSeconds: result.seconds });

    if (result.status === 'infeasible') return none('the solver proved it');
    if ((result.status !== 'optimal' && result.status !== 'feasible') || !result.values) {
      a.outcome = `no answer: ${result.status}${result.note ? ` (${result.note})` : ''}`;
      notes.push(`the solver ended with status ${result.status}${result.note ? ` (${result.note})` : ''}; ${best.found ? 'the best plan so far stands' : 'no plan'}`);
      return 'stop';
    }
    const waves = ip.decode(result.values);
    const planCost = movesCost(cost, waves);
    const improves = !best.found || (phase === 'makespan' ? makespanOf(waves) < makespanOf(best.waves) - 1e-6 && planCost <= best.cost + 1e-9 * Math.max(1, best.cost)
      : phase === 'cost' ? planCost < best.cost - 1e-9 * Math.max(1, best.cost)
      : waves.length < best.waves.length && planCost <= best.cost + 1e-9 * Math.max(1, best.cost));
    if (!improves) {
      a.outcome = `the solver's plan (cost ${planCost}, ${waves.length} waves) is not better`;
      return 'stop';
    }
    best = { waves, cost: planCost, found: true };
    const proven = result.status === 'optimal' && complete;
    a.outcome = proven ? 'found the best such plan' : result.status === 'optimal' ? `found the best within ${horizon} waves` : `found a better plan (gap ${((result.gap ?? NaN) * 100).toFixed(2)} %)`;
    if (phase === 'cost') costProven = proven || planCost <= lowerBound + 1e-9 * Math.max(1, lowerBound);
    else wavesProven = proven && costProven;
    if (!proven) notes.push(`${a.outcome}${complete ? '' : `; longer plans were not searched`}`);
    // In the cost phase, the model also minimised waves among the cheapest plans within its horizon.
    if (phase === 'cost' && proven) wavesProven = true;
    return proven || (phase === 'cost' && costProven) ? 'proven' : 'improved';
  }
}
