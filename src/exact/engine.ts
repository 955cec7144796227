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

type Phase = 'cost' | 'waves' | 'makespan';
type Outcome = 'proven' | 'improved' | 'stop';
interface Best { waves: Move[][]; cost: number; found: boolean }

/** What one attempt's model is made of: the VM classes, the horizon and the weights. */
interface AttemptModel {
  ip: TimeIndexedModel;
  size: ReturnType<typeof modelSize>;
  waveWeight: number;
  horizon: number;
  complete: boolean;
  classOf: (v: number) => VmClass;
  flexible: number;
}

export async function solveExact(problem: Problem, o: ExactOptions, run: EngineRunOptions): Promise<Plan> {
  const why = exactUnsupported(problem);
  if (why) throw new ExactUnsupportedError(why);
  return new ExactSearch(problem, o, run).solve();
}

/** One run of the exact engine: the heuristic's plan, then models asking for strictly better plans, phase by phase. */
class ExactSearch {
  private readonly started = Date.now();
  private readonly deadline: number;
  private readonly model: Problem['model'];
  private readonly misplaced: number[];
  private readonly misplacedSet: Set<number>;
  private readonly lowerBound: number;
  private readonly wavesLb: number;
  private readonly costs: number[];
  /** Isolated migration times (no link sharing: one migration per link at a time by default). */
  private seconds: number[] = [];
  private readonly attempts: Attempt[] = [];
  private readonly notes: string[] = [];
  private h!: Plan;
  private best!: Best;
  private costProven = false;
  private wavesProven = false;
  /** The weight of waves in the last model: an attempt's bound on cost is its bound less the most the waves can weigh. */
  private lastWaveWeight = 0;

  constructor(private readonly problem: Problem, private readonly o: ExactOptions, private readonly run: EngineRunOptions) {
    const { model, cost } = problem;
    this.model = model;
    this.deadline = this.started + (run.timeLimit ?? o.defaultTimeLimit) * 1000;
    this.misplaced = misplacedVms(model);
    this.misplacedSet = new Set(this.misplaced);
    this.lowerBound = costLowerBound(problem);
    this.wavesLb = Math.max(this.misplaced.length ? 1 : 0, wavesLowerBound(model));
    this.costs = model.vms.map((_, v) => cost.minCost?.(v) ?? cost.cost(v, model.placement[v]!, model.target[v]!));
  }

  private secondsLeft(): number {
    return (this.deadline - Date.now()) / 1000;
  }

  private movable(v: number): boolean {
    return this.problem.rules.every((r) => r.movable?.(v) ?? true);
  }

  private toMoves(p: Plan): Move[][] {
    const { model } = this;
    return p.waves.map((w) => w.migrations.map((m) => ({ vm: model.vmIndex.get(m.vm)!, from: model.hostIndex.get(m.from)!, to: model.hostIndex.get(m.to)! })));
  }

  private makespanOf(waves: Move[][]): number {
    return waves.reduce((sum, w) => sum + Math.max(0, ...w.map((m) => migrationSeconds(this.model, m.vm, m.from, m.to))), 0);
  }

  async solve(): Promise<Plan> {
    const { o, model } = this;
    // 1. The heuristic: an upper bound on cost, a horizon, and the answer if the solver fails.
    const h = (this.h = solveHeuristic(this.problem, o.objective === 'makespan' ? { ...o.heuristic, objective: 'makespan' } : o.heuristic, { timeLimit: Math.max(1, this.secondsLeft() * 0.2) }));
    this.best = { waves: this.toMoves(h), cost: h.cost ?? Infinity, found: h.status === 'optimal' || h.status === 'feasible' };
    this.costProven = h.status === 'optimal';
    if (h.status === 'infeasible' || this.misplaced.length === 0) return { ...h, engine: 'exact' };
    if (!this.best.found) this.notes.push('the heuristic found no plan; the model searches from scratch');
    this.seconds = model.vms.map((_, v) => migrationSeconds(model, v, model.placement[v]!, model.target[v]!));
    await this.runPhases();
    if (this.costProven && this.wavesProven) this.notes.push('proven optimal: cheapest cost, and fewest waves at that cost');
    else if (this.costProven) this.notes.push('cost proven optimal; waves not proven minimal');
    return this.finish();
  }

  private async runPhases(): Promise<void> {
    const { o } = this;
    const phases: Phase[] = o.objective === 'cost' ? ['cost', 'waves'] : o.objective === 'waves' ? ['waves', 'cost'] : ['makespan'];
    for (const phase of phases) {
      if (this.secondsLeft() <= 0.5) { this.notes.push('time limit reached before every phase ran'); break; }
      if (phase === 'cost' && (this.costProven || (this.best.found && this.best.cost <= this.lowerBound + 1e-9 * Math.max(1, this.lowerBound)))) { this.costProven = true; continue; }
      if (phase === 'waves' && this.best.found && this.best.waves.length <= this.wavesLb) { this.wavesProven = true; continue; }
      if (phase === 'waves' && o.objective === 'cost' && !this.costProven) continue; // waves only matter among the cheapest plans
      // A better plan that is not proven lowers the bar: ask again, with a smaller model.
      let outcome = await this.attempt(phase);
      while (outcome === 'improved' && phase !== 'makespan' && this.secondsLeft() > 1) outcome = await this.attempt(phase);
      if (outcome !== 'proven') break;
    }
  }

  private finish(): Plan {
    const { best, h, model, misplaced, o } = this;
    const moves = best.waves.reduce((n, w) => n + w.length, 0);
    const status: Plan['status'] = !best.found ? (h.status === 'infeasible' ? 'infeasible' : 'unknown') : this.costProven ? 'optimal' : 'feasible';
    const costPartOf = (a: Attempt) => (a.bound ?? 0) - a.horizon * this.lastWaveWeight;
    const bound = !best.found ? (h.status === 'infeasible' ? null : h.lowerBound)
      : this.costProven ? best.cost : Math.max(this.lowerBound, h.lowerBound ?? 0, ...this.attempts.map((a) => a.complete && a.bound !== undefined ? costPartOf(a) : 0));
    return {
      status, engine: 'exact', waves: toWaveDocs(model, best.found ? best.waves : []),
      cost: best.found ? best.cost : null, lowerBound: bound,
      stats: {
        moves, waves: best.waves.length, seconds: (Date.now() - this.started) / 1000,
        ...(best.found ? { detours: moves - misplaced.length } : {}), wavesLowerBound: this.wavesLb,
        exact: { solver: o.solver, objective: o.objective, costProven: this.costProven, wavesProven: this.wavesProven, heuristic: { status: h.status, cost: h.cost, waves: h.waves.length }, attempts: this.attempts },
      },
      notes: this.notes.map((n) => `exact: ${n}`),
      ...(h.explanation && !best.found ? { explanation: h.explanation } : {}),
    };
  }

  /** Extra cost (beyond each misplaced VM moving once) a wanted plan may spend, and the cost step. */
  private budget(phase: Phase): { upper: number; integral: boolean; step: number; budget: number } {
    const { best, lowerBound } = this;
    const upper = best.found ? best.cost : Infinity;
    const integral = this.costs.every((x) => Number.isInteger(x)) && (!best.found || Number.isInteger(upper));
    const step = integral ? 1 : 1e-6 * Math.max(1, Math.abs(upper));
    const budget = !best.found ? Infinity : phase === 'cost' ? upper - lowerBound - step : upper - lowerBound;
    return { upper, integral, step, budget };
  }

  /** The model of one attempt: VM classes from the budget, the horizon (complete when affordable), weights. */
  private buildAttempt(phase: Phase): AttemptModel {
    const { o, best, misplaced, misplacedSet, costs, wavesLb } = this;
    const { upper, integral, step, budget } = this.budget(phase);
    const classOf = (v: number): VmClass => {
      if (!this.movable(v)) return 'fixed';
      const extra = misplacedSet.has(v) ? costs[v]! : 2 * costs[v]!;
      if (extra <= budget + 1e-9 * Math.max(1, Math.abs(budget))) return 'flexible';
      return misplacedSet.has(v) ? 'direct' : 'fixed';
    };
    const flexible = this.model.vms.map((vm) => vm.index).filter((v) => classOf(v) === 'flexible');
    const cheapest = Math.min(...flexible.map((v) => costs[v]!));
    // A plan with M migrations runs one at a time in M waves: a horizon of maxMoves holds them all.
    const maxMoves = !Number.isFinite(budget) ? Infinity
      : flexible.length === 0 ? misplaced.length
      : cheapest > 0 ? misplaced.length + Math.floor(budget / cheapest + 1e-9) : Infinity;
    const hWaves = best.found ? best.waves.length : Infinity;
    const shortHorizon = Math.max(1, o.horizon ?? (phase === 'makespan' && best.found ? hWaves : phase === 'waves' && best.found ? hWaves - 1
      : Math.min(maxMoves, (Number.isFinite(hWaves) ? Math.max(hWaves, wavesLb) : Math.max(wavesLb, misplaced.length)) + o.extraWaves)));
    const build = (horizon: number) => {
      const unit = integral ? 1 : Math.max(1e-6, Math.min(...costs.filter((x) => x > 0), 1) * 1e-3);
      const costScale = 1 / ((Number.isFinite(upper) ? upper : costs.reduce((x, y) => x + 2 * y, 0)) + 1);
      const waveWeight = phase === 'makespan' ? 0 : phase === 'cost' || o.objective === 'cost' ? unit / (horizon + 1) : 1;
      const costWeight = phase === 'makespan' ? 1e-3 * costScale : phase === 'waves' && o.objective === 'waves' ? costScale : 1;
      const maxCost = !best.found ? undefined : phase === 'cost' ? upper - step : upper;
      const ip = new TimeIndexedModel(this.problem, { waves: horizon, classOf, costWeight, waveWeight, maxCost, ...(phase === 'makespan' ? { durations: this.seconds, durationWeight: 1 } : {}) });
      return { ip, size: modelSize(ip.toLinearModel('shunt')), waveWeight };
    };
    // Prefer the complete horizon (a proof either way) while its model stays affordable.
    let horizon = shortHorizon;
    let built = build(horizon);
    if (o.horizon === undefined && phase === 'cost' && Number.isFinite(maxMoves) && maxMoves > horizon) {
      const full = build(maxMoves);
      if (full.size.integers <= o.completeModelVariables) { horizon = maxMoves; built = full; }
    }
    // The makespan model never claims a proof: it holds only plans within the heuristic's cost and waves.
    const complete = phase === 'makespan' ? false : phase === 'waves' ? best.found && horizon >= hWaves - 1 : horizon >= maxMoves;
    return { ...built, horizon, complete, classOf, flexible: flexible.length };
  }

  private describe(phase: Phase, m: AttemptModel): Attempt {
    const { best } = this;
    const upper = best.found ? best.cost : Infinity;
    return {
      seeking: phase === 'cost' ? (best.found ? `a plan cheaper than ${upper}` : 'any plan')
        : phase === 'makespan' ? `a shorter wave-by-wave duration than ${this.makespanOf(best.waves).toFixed(1)} s, costing at most ${upper}`
        : `a plan with fewer than ${best.found ? best.waves.length : Infinity} waves`,
      horizon: m.horizon, complete: m.complete, ...m.size,
      classes: { flexible: m.flexible, direct: this.misplaced.filter((v) => m.classOf(v) === 'direct').length },
      outcome: '',
    };
  }

  /** The model has no plan: a proof when it is complete, else a note that longer plans were not searched. */
  private none(phase: Phase, a: Attempt, how: string): Outcome {
    a.outcome = `none exists within ${a.horizon} waves (${how})`;
    if (!a.complete) {
      this.notes.push(`no ${phase === 'cost' ? 'cheaper plan' : phase === 'makespan' ? 'shorter plan' : 'plan with fewer waves'} within ${a.horizon} waves (${how}); longer plans were not searched`);
      return 'stop';
    }
    if (phase === 'cost') { this.costProven = this.best.found; this.notes.push(`no cheaper plan exists (${how})`); }
    else { this.wavesProven = this.best.found; this.notes.push(`no plan of this cost has fewer waves (${how})`); }
    return this.best.found ? 'proven' : 'stop';
  }

  /**
   * Builds and solves one model asking for a strictly better plan: 'proven' (this phase is
   * settled), 'improved' (a better plan, not proven best) or 'stop'.
   */
  private async attempt(phase: Phase): Promise<Outcome> {
    const { o } = this;
    const m = this.buildAttempt(phase);
    this.lastWaveWeight = m.waveWeight;
    const a = this.describe(phase, m);
    this.attempts.push(a);
    if (m.ip.impossible.length) return this.none(phase, a, `${m.ip.impossible[0]} cannot hold`);
    if (m.size.integers > o.maxVariables) {
      a.outcome = 'not solved: model too large';
      this.notes.push(`model too large (${m.size.integers} integer variables > ${o.maxVariables}); the heuristic's plan stands`);
      return 'stop';
    }
    this.run.onProgress?.(0, 1, `solving ${m.size.integers} integer variables, ${m.size.rows} rows with ${o.solver}`);
    // The solver's own limit leaves room for its overshoot before the hard kill (which loses its incumbent).
    const result = await solveInWorker(o.solver, { model: m.ip.toLinearModel('shunt'), timeLimit: Math.max(0.5, this.secondsLeft() * 0.85), gap: o.gap });
    Object.assign(a, { solverStatus: result.status, objective: result.objective, bound: result.bound, gap: result.gap, nodes: result.nodes, solveSeconds: result.seconds });
    if (result.status === 'infeasible') return this.none(phase, a, 'the solver proved it');
    if ((result.status !== 'optimal' && result.status !== 'feasible') || !result.values) {
      a.outcome = `no answer: ${result.status}${result.note ? ` (${result.note})` : ''}`;
      this.notes.push(`the solver ended with status ${result.status}${result.note ? ` (${result.note})` : ''}; ${this.best.found ? 'the best plan so far stands' : 'no plan'}`);
      return 'stop';
    }
    return this.accept(phase, a, m, m.ip.decode(result.values), result);
  }

  /** The solver's plan: kept when strictly better, with what it proves. */
  private accept(phase: Phase, a: Attempt, m: AttemptModel, waves: Move[][], result: { status: string; gap?: number }): Outcome {
    const { best, lowerBound } = this;
    const planCost = movesCost(this.problem.cost, waves);
    const withinCost = planCost <= best.cost + 1e-9 * Math.max(1, best.cost);
    const improves = !best.found || (phase === 'makespan' ? this.makespanOf(waves) < this.makespanOf(best.waves) - 1e-6 && withinCost
      : phase === 'cost' ? planCost < best.cost - 1e-9 * Math.max(1, best.cost)
      : waves.length < best.waves.length && withinCost);
    if (!improves) {
      a.outcome = `the solver's plan (cost ${planCost}, ${waves.length} waves) is not better`;
      return 'stop';
    }
    this.best = { waves, cost: planCost, found: true };
    const proven = result.status === 'optimal' && m.complete;
    a.outcome = proven ? 'found the best such plan' : result.status === 'optimal' ? `found the best within ${m.horizon} waves` : `found a better plan (gap ${((result.gap ?? NaN) * 100).toFixed(2)} %)`;
    if (phase === 'cost') this.costProven = proven || planCost <= lowerBound + 1e-9 * Math.max(1, lowerBound);
    else this.wavesProven = proven && this.costProven;
    if (!proven) this.notes.push(`${a.outcome}${m.complete ? '' : `; longer plans were not searched`}`);
    // In the cost phase, the model also minimised waves among the cheapest plans within its horizon.
    if (phase === 'cost' && proven) this.wavesProven = true;
    return proven || (phase === 'cost' && this.costProven) ? 'proven' : 'improved';
  }
}
