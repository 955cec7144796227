/**
 * Integer programs over one scope (the whole instance, or one independent part): each
 * asks the solver for a strictly better plan than the scope's best, first a cheaper one,
 * then (cost settled, and fixed as a constraint) one with fewer waves. "No such plan"
 * from the solver, over a horizon that holds every such plan, is a proof.
 */
import type { EngineRunOptions, Problem } from '../plugin-api.js';
import type { Move } from '../plan/moves.js';
import { movesCost } from '../plan/moves.js';
import { TimeIndexedModel, type VmClass } from './time-indexed.js';
import { modelSize, type ModelSize } from './linear-model.js';
import { solveInWorker } from './solvers/backend.js';
import { migrationSeconds } from '../schedule/duration.js';
import type { ProofSource } from './proof.js';
import { rulesAreHostLocal } from '../plan/decompose.js';

export type Phase = 'cost' | 'waves' | 'makespan';

export interface ScopeSettings {
  solver: string;
  gap: number;
  objective: 'cost' | 'waves' | 'makespan';
  horizon?: number;
  extraWaves: number;
  maxVariables: number;
  completeModelVariables: number;
}

/** One model solved: what it asked, what the solver said. */
export interface Attempt {
  scope: string;
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
  /** Seconds since the engine started, when the solver answered. */
  at?: number;
  outcome: string;
}

export interface ScopePlan { waves: Move[][]; cost: number; found: boolean }

/** A scope and what is known of it; the solver's answers update it in place. */
export interface Scope {
  label: string;
  /** VMs that may move (undefined: every VM). */
  vms?: ReadonlySet<number>;
  /** Hosts its VMs may use (undefined: every host). */
  hosts?: readonly number[];
  misplaced: readonly number[];
  /** Each misplaced VM moving once: what the model's detour budget is measured from. */
  base: number;
  best: ScopePlan;
  costBy?: ProofSource;
  costLowerBound: number;
  wavesBy?: ProofSource;
  wavesLowerBound: number;
}

export interface SolveContext {
  problem: Problem;
  settings: ScopeSettings;
  run: EngineRunOptions;
  started: number;
  deadline: number;
  /** Cheapest migration of each VM. */
  costs: number[];
  attempts: Attempt[];
  notes: string[];
  /** Seconds since the start at which the solver last proved a level of some scope. */
  provenAt: { cost: number; waves: number };
  /** Waves any plan needs (the proven bound on the whole instance): a plan this short needs no further proof. */
  wavesTarget?: number;
}

/** longer: no better plan within the horizon, but longer plans were not searched. */
type Outcome = 'proven' | 'improved' | 'stop' | 'longer';
const near = (a: number, b: number) => a <= b + 1e-9 * Math.max(1, Math.abs(b));

/** Runs one phase on the scope until it is settled, the solver stops improving or time runs out. */
export async function runPhase(ctx: SolveContext, scope: Scope, phase: Phase): Promise<Outcome> {
  let outcome = await attempt(ctx, scope, phase, 0);
  for (;;) {
    if (secondsLeft(ctx) <= 1) break;
    if (outcome === 'improved' && phase !== 'makespan') outcome = await attempt(ctx, scope, phase, 0);
    // Nothing better within the horizon: twice as many waves, up to the horizon that holds every better plan.
    else if (outcome === 'longer' && phase === 'cost' && scope.best.found) outcome = await attempt(ctx, scope, phase, 2 * ctx.attempts[ctx.attempts.length - 1]!.horizon);
    else break;
  }
  if (outcome === 'longer') {
    const a = ctx.attempts[ctx.attempts.length - 1]!;
    ctx.notes.push(`${scope.label}: no ${phase === 'cost' ? 'cheaper plan' : phase === 'makespan' ? 'shorter plan' : 'plan with fewer waves'} within ${a.horizon} waves; longer plans were not searched`);
    return 'stop';
  }
  return outcome;
}

export const secondsLeft = (ctx: SolveContext) => (ctx.deadline - Date.now()) / 1000;

export interface BuiltModel {
  ip: TimeIndexedModel;
  size: ModelSize;
  horizon: number;
  complete: boolean;
  waveWeight: number;
  classes: { flexible: number; direct: number };
  upper: number;
}

/** The model of the next attempt in this phase (also used to predict whether a proof is affordable). */
export function buildModel(ctx: SolveContext, scope: Scope, phase: Phase, minHorizon = 0): BuiltModel {
  const { problem, settings: o, costs } = ctx;
  const { model } = problem;
  const best = scope.best;
  const misplacedSet = new Set(scope.misplaced);
  const upper = best.found ? best.cost : Infinity;
  const integral = costs.every((x) => Number.isInteger(x)) && (!best.found || Number.isInteger(upper));
  // Every plan's cost is a multiple of the costs' common divisor: a cheaper plan is cheaper by at least that.
  const step = integral ? Math.max(1, commonDivisor(costs)) : 1e-6 * Math.max(1, Math.abs(upper));
  // Extra cost (beyond each misplaced VM moving once) a wanted plan may spend.
  const budget = !best.found ? Infinity : phase === 'cost' ? upper - scope.base - step : upper - scope.base;
  const movable = (v: number) => (!scope.vms || scope.vms.has(v)) && problem.rules.every((r) => r.movable?.(v) ?? true);
  const classOf = (v: number): VmClass => {
    if (!movable(v)) return 'fixed';
    const extra = misplacedSet.has(v) ? costs[v]! : 2 * costs[v]!;
    if (near(extra, budget)) return 'flexible';
    return misplacedSet.has(v) ? 'direct' : 'fixed';
  };
  const candidates = scope.vms ? [...scope.vms] : model.vms.map((vm) => vm.index);
  const flexible = candidates.filter((v) => classOf(v) === 'flexible');
  const cheapest = Math.min(...flexible.map((v) => costs[v]!));
  const misplaced = scope.misplaced.length;
  // A plan with M migrations runs one at a time in M waves: a horizon of maxMoves holds them all.
  const maxMoves = maxMovesWithin(budget, flexible.length, cheapest, misplaced);
  const hWaves = best.found ? best.waves.length : Infinity;
  const wavesLb = scope.wavesLowerBound;
  const shortHorizon = Math.max(1, Math.min(maxMoves, minHorizon), o.horizon ?? (phase === 'makespan' && best.found ? hWaves : phase === 'waves' && best.found ? hWaves - 1
    : Math.min(maxMoves, (Number.isFinite(hWaves) ? Math.max(hWaves, wavesLb) : Math.max(wavesLb, misplaced)) + o.extraWaves)));
  const seconds = phase === 'makespan' ? model.vms.map((_, v) => migrationSeconds(model, v, model.placement[v]!, model.target[v]!)) : undefined;
  const build = (horizon: number) => {
    const unit = integral ? 1 : Math.max(1e-6, Math.min(...costs.filter((x) => x > 0), 1) * 1e-3);
    const costScale = 1 / ((Number.isFinite(upper) ? upper : costs.reduce((x, y) => x + 2 * y, 0)) + 1);
    // Cost settled and fixed as a constraint: the waves phase minimises waves alone, from their proven bound.
    const wavesOnly = phase === 'waves' && o.objective === 'cost' && scope.costBy !== undefined;
    // With a proven cost bound above the plain one, the cost phase weighs cost alone (waves come next, cost fixed): the solver
    // no longer spends its time on waves among plans it cannot yet tell apart, and a plan at the bound is proven by it.
    const costOnly = phase === 'cost' && best.found && scope.costLowerBound > scope.base;
    const waveWeight = phase === 'makespan' || costOnly ? 0 : wavesOnly ? 1 : phase === 'cost' || o.objective === 'cost' ? unit / (horizon + 1) : 1;
    const costWeight = phase === 'makespan' ? 1e-3 * costScale : wavesOnly ? 0 : phase === 'waves' && o.objective === 'waves' ? costScale : 1;
    // The heuristic's plan (or the best so far) is the cutoff: only strictly better plans are asked for.
    const maxCost = !best.found ? undefined : phase === 'cost' ? upper - step : upper;
    const ip = new TimeIndexedModel(problem, {
      waves: horizon, classOf, costWeight, waveWeight, maxCost, ...(scope.hosts ? { hosts: scope.hosts } : {}),
      breakSymmetry: rulesAreHostLocal(problem),
      ...(wavesOnly ? { minWaves: Math.max(scope.wavesLowerBound, ctx.wavesTarget ?? 0) } : {}),
      ...(seconds ? { durations: seconds, durationWeight: 1 } : {}),
    });
    return { ip, size: modelSize(ip.toLinearModel('shunt')), waveWeight };
  };
  let horizon = shortHorizon;
  let built = build(horizon);
  // Prefer the complete horizon (a proof either way) while its model stays affordable.
  if (o.horizon === undefined && phase === 'cost' && Number.isFinite(maxMoves) && maxMoves > horizon) {
    const full = build(maxMoves);
    if (full.size.integers <= o.completeModelVariables) { horizon = maxMoves; built = full; }
  }
  // The makespan model never claims a proof: it holds only plans within the heuristic's cost and waves.
  const complete = isComplete(phase, best.found, horizon, hWaves, maxMoves);
  return {
    ...built, horizon, complete, upper,
    classes: { flexible: flexible.length, direct: scope.misplaced.filter((v) => classOf(v) === 'direct').length },
  };
}

/** A plan with M migrations runs one at a time in M waves: the most migrations a plan within the extra-cost budget can make. */
function maxMovesWithin(budget: number, flexible: number, cheapest: number, misplaced: number): number {
  return !Number.isFinite(budget) ? Infinity
    : flexible === 0 ? misplaced
    : cheapest > 0 ? misplaced + Math.floor(budget / cheapest + 1e-9) : Infinity;
}

/** Whether the model's horizon holds every plan it asks for (so that no answer is a proof). */
function isComplete(phase: Phase, found: boolean, horizon: number, hWaves: number, maxMoves: number): boolean {
  return phase === 'makespan' ? false : phase === 'waves' ? found && horizon >= hWaves - 1 : horizon >= maxMoves;
}

function commonDivisor(xs: readonly number[]): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return xs.reduce((g, x) => (x > 0 ? gcd(x, g) : g), 0);
}

function makespanOf(problem: Problem, waves: Move[][]): number {
  return waves.reduce((sum, w) => sum + Math.max(0, ...w.map((m) => migrationSeconds(problem.model, m.vm, m.from, m.to))), 0);
}

/** Builds and solves one model asking for a strictly better plan. */
async function attempt(ctx: SolveContext, scope: Scope, phase: Phase, minHorizon: number): Promise<Outcome> {
  const { problem, settings: o, notes } = ctx;
  const { ip, size, horizon, complete, waveWeight, classes, upper } = buildModel(ctx, scope, phase, minHorizon);
  const best = scope.best;
  const hWaves = best.found ? best.waves.length : Infinity;
  const a: Attempt = {
    scope: scope.label,
    seeking: phase === 'cost' ? (best.found ? `a plan cheaper than ${upper}` : 'any plan')
      : phase === 'makespan' ? `a shorter wave-by-wave duration than ${makespanOf(problem, best.waves).toFixed(1)} s, costing at most ${upper}`
      : `a plan with fewer than ${hWaves} waves, costing at most ${upper}`,
    horizon, complete, ...size, classes, outcome: '',
  };
  ctx.attempts.push(a);
  const none = (how: string): Outcome => {
    a.outcome = `none exists within ${horizon} waves (${how})`;
    if (!complete) return 'longer';
    if (!best.found) return 'stop';
    if (phase === 'cost') { scope.costBy = 'mip'; scope.costLowerBound = best.cost; notes.push(`${scope.label}: no cheaper plan exists (${how})`); }
    else { scope.wavesBy = 'mip'; scope.wavesLowerBound = best.waves.length; notes.push(`${scope.label}: no plan of this cost has fewer waves (${how})`); }
    return 'proven';
  };
  if (ip.impossible.length) return none(`${ip.impossible[0]} cannot hold`);
  if (ip.unsupported.length) {
    a.outcome = `not solved: row ${ip.unsupported[0]} on an overloaded host has a negative coefficient`;
    notes.push(`${scope.label}: the model cannot state an overloaded start under row ${ip.unsupported[0]}; the best plan so far stands`);
    return 'stop';
  }
  if (size.integers > o.maxVariables) {
    a.outcome = 'not solved: model too large';
    notes.push(`${scope.label}: model too large (${size.integers} integer variables > ${o.maxVariables}); the best plan so far stands`);
    return 'stop';
  }
  ctx.run.onProgress?.(0, 1, `solving ${size.integers} integer variables, ${size.rows} rows with ${o.solver}`);
  const before = { cost: scope.costBy, waves: scope.wavesBy };
  try {
    return await solveAndRead(ctx, scope, phase, a, ip, horizon, complete, waveWeight, none);
  } finally {
    const at = (Date.now() - ctx.started) / 1000;
    if (scope.costBy !== before.cost) ctx.provenAt.cost = at;
    if (scope.wavesBy !== before.waves) ctx.provenAt.waves = at;
  }
}

async function solveAndRead(ctx: SolveContext, scope: Scope, phase: Phase, a: Attempt, ip: TimeIndexedModel, horizon: number, complete: boolean, waveWeight: number, none: (how: string) => Outcome): Promise<Outcome> {
  const { settings: o, notes } = ctx;
  const best = scope.best;
  // The solver's own limit leaves room for its overshoot before the hard kill (which loses its incumbent).
  const result = await solveInWorker(o.solver, { model: ip.toLinearModel('shunt'), timeLimit: Math.max(0.5, secondsLeft(ctx) * 0.85), gap: o.gap });
  Object.assign(a, { solverStatus: result.status, objective: result.objective, bound: result.bound, gap: result.gap, nodes: result.nodes, solveSeconds: result.seconds, at: (Date.now() - ctx.started) / 1000 });
  // A complete cost model's bound holds for every plan cheaper than the best (less the most the waves can weigh).
  if (phase === 'cost' && complete && result.bound !== undefined && best.found) {
    scope.costLowerBound = Math.max(scope.costLowerBound, Math.min(best.cost, result.bound - horizon * waveWeight));
  }
  if (result.status === 'infeasible') return none('the solver proved it');
  if ((result.status !== 'optimal' && result.status !== 'feasible') || !result.values) {
    a.outcome = `no answer: ${result.status}${result.note ? ` (${result.note})` : ''}`;
    notes.push(`${scope.label}: the solver ended with status ${result.status}${result.note ? ` (${result.note})` : ''}; ${best.found ? 'the best plan so far stands' : 'no plan'}`);
    return 'stop';
  }
  return accept(ctx, scope, phase, a, ip.decode(result.values), result.status === 'optimal' && complete, result.status === 'optimal', horizon, waveWeight);
}

/** Whether the solver's plan is better than the scope's best in what this phase seeks (cost, duration or waves at the same cost). */
function improvesOn(problem: Problem, phase: Phase, best: Scope['best'], waves: Move[][], planCost: number): boolean {
  return !best.found || (phase === 'makespan' ? makespanOf(problem, waves) < makespanOf(problem, best.waves) - 1e-6 && near(planCost, best.cost)
    : phase === 'cost' ? planCost < best.cost - 1e-9 * Math.max(1, best.cost)
    : waves.length < best.waves.length && near(planCost, best.cost));
}

/** Takes the solver's plan when it is better than the scope's best, and records what it proves. */
function accept(ctx: SolveContext, scope: Scope, phase: Phase, a: Attempt, waves: Move[][], proven: boolean, optimal: boolean, horizon: number, waveWeight: number): Outcome {
  const { problem } = ctx;
  const best = scope.best;
  const planCost = movesCost(problem.cost, waves);
  const improves = improvesOn(problem, phase, best, waves, planCost);
  if (!improves) {
    a.outcome = `the solver's plan (cost ${planCost}, ${waves.length} waves) is not better`;
    return 'stop';
  }
  scope.best = { waves, cost: planCost, found: true };
  a.outcome = proven ? 'found the best such plan' : optimal ? `found the best within ${horizon} waves` : `found a better plan (gap ${((a.gap ?? NaN) * 100).toFixed(2)} %)`;
  if (!proven) ctx.notes.push(`${scope.label}: ${a.outcome}${a.complete ? '' : '; longer plans were not searched'}`);
  if (phase === 'cost') {
    if (proven) scope.costBy = 'mip';
    else if (near(planCost, scope.costLowerBound)) scope.costBy = 'bound';
    if (scope.costBy) scope.costLowerBound = planCost;
    // The cost model also minimised waves among the cheapest plans within its (complete) horizon.
    if (proven && waveWeight > 0) { scope.wavesBy = 'mip'; scope.wavesLowerBound = waves.length; }
  } else if (phase === 'waves' && scope.costBy && waves.length <= (ctx.wavesTarget ?? 0)) {
    // As short as the whole instance's bound: nothing shorter exists.
    scope.wavesBy = 'bound';
    scope.wavesLowerBound = waves.length;
    return 'proven';
  } else if (phase === 'waves' && proven && scope.costBy) {
    scope.wavesBy = 'mip';
    scope.wavesLowerBound = waves.length;
  }
  return proven || (phase === 'cost' && scope.costBy) ? 'proven' : 'improved';
}
