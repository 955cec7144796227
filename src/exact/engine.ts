/**
 * The exact engine: the heuristic's plan first (an upper bound, a horizon and the
 * fallback), checked against the proven bounds (a plan that meets them needs no solver);
 * then the independent parts the bounds cannot close, each proven apart by time-indexed
 * integer programs (solved in a worker by a solver backend) asking for a strictly better
 * plan: first a cheaper one, then, cost fixed, one with fewer waves. The plan's proof is
 * the sum of the parts' proofs. It reports, level by level, what was proven and how.
 */
import type { EngineRunOptions, Problem } from '../plugin-api.js';
import type { Plan } from '../model/plan.js';
import type { Move } from '../plan/moves.js';
import { fromWaveDocs, movesCost, toWaveDocs } from '../plan/moves.js';
import { misplacedVms } from '../model/model.js';
import { provenBounds } from '../plan/bounds.js';
import { independentParts } from '../plan/decompose.js';
import { solveHeuristic, type HeuristicOptions } from '../engines/heuristic/engine.js';
import { mergeWaves } from '../engines/heuristic/parts.js';
import { verifyPlan } from '../verify/replay.js';
import { buildModel, runPhase, secondsLeft, type Scope, type ScopeSettings, type SolveContext } from './scope-solver.js';
import { scopesOf } from './scopes.js';
import { describeProof, level, type ExactProof, type ProofSource } from './proof.js';

export interface ExactOptions extends ScopeSettings {
  /** Seconds when the run gives no time limit. */
  defaultTimeLimit: number;
  heuristic: HeuristicOptions;
  /** Prove independent parts apart (default true). */
  decompose?: boolean;
  /**
   * When set (the auto engine), integer variables of the models a proof needs first, per
   * minute of time limit, beyond which no solver runs: the heuristic's plan and the bounds
   * are returned at once.
   */
  predictIntegers?: number;
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

export async function solveExact(problem: Problem, o: ExactOptions, run: EngineRunOptions): Promise<Plan> {
  const why = exactUnsupported(problem);
  if (why) throw new ExactUnsupportedError(why);
  const started = Date.now();
  const limit = run.timeLimit ?? o.defaultTimeLimit;
  const { model, cost } = problem;
  const minCost = (v: number) => cost.minCost?.(v) ?? cost.cost(v, model.placement[v]!, model.target[v]!);
  const ctx: SolveContext = {
    problem, settings: o, run, started, deadline: started + limit * 1000,
    costs: model.vms.map((_, v) => minCost(v)), attempts: [], notes: [], provenAt: { cost: 0, waves: 0 },
  };
  const misplaced = misplacedVms(model);
  const bounds = provenBounds(problem);
  ctx.wavesTarget = bounds.waves;

  // 1. The heuristic: an upper bound on cost, a horizon, and the answer if the solver fails.
  const h = solveHeuristic(problem, o.objective === 'makespan' ? { ...o.heuristic, objective: 'makespan' } : o.heuristic, { timeLimit: Math.max(1, secondsLeft(ctx) * 0.2) });
  const firstPlanSeconds = (Date.now() - started) / 1000;
  if (h.status === 'infeasible' || misplaced.length === 0) {
    const proof: ExactProof = { cost: level(0, 0, 'bound'), waves: level(0, 0, 'bound') };
    return { ...h, engine: 'exact', ...(misplaced.length === 0 ? { stats: { ...h.stats, exact: { solver: o.solver, objective: o.objective, proof, attempts: [] } } } : {}) };
  }
  const toMoves = (p: Plan): Move[][] => fromWaveDocs(model, p.waves);
  const found = h.status === 'optimal' || h.status === 'feasible';
  // Parts are proven apart only for the cost objective (the others weigh waves or durations across parts).
  const parts = found && o.objective === 'cost' && o.decompose !== false ? independentParts(problem) : [];
  const scopes = scopesOf(parts, {
    problem, bounds, plan: found ? toMoves(h) : [], heuristicProven: h.status === 'optimal',
    heuristicLowerBound: h.lowerBound ?? 0, minCost,
  });
  if (!found) {
    scopes[0]!.best = { waves: [], cost: Infinity, found: false };
    scopes[0]!.costBy = undefined;
    scopes[0]!.wavesBy = undefined;
    ctx.notes.push('the heuristic found no plan; the model searches from scratch');
  }

  const skip = o.predictIntegers !== undefined ? unaffordable(ctx, scopes, o.predictIntegers * Math.max(limit, 1) / 60) : undefined;
  if (skip) ctx.notes.push(skip);
  else if (o.objective === 'cost') await proveCostThenWaves(ctx, scopes, bounds.waves);
  else await proveWhole(ctx, scopes[0]!, o.objective === 'waves' ? ['waves', 'cost'] : ['makespan']);
  return finish(ctx, h, scopes, bounds, firstPlanSeconds);
}

/** Why no solver should run (auto): the first models a proof needs are too large for the time limit. */
function unaffordable(ctx: SolveContext, scopes: Scope[], budget: number): string | undefined {
  let integers = 0;
  for (const s of scopes) {
    if (!s.best.found || !s.costBy) integers += buildModel(ctx, s, 'cost').size.integers;
    else if (!s.wavesBy) integers += buildModel(ctx, s, 'waves').size.integers;
  }
  return integers > budget ? `no proof predicted within the time limit (the first models need ${integers} integer variables, over ${Math.round(budget)}): no solver was run` : undefined;
}

/** Cost part by part, then waves on the parts that set the merged plan's length. */
async function proveCostThenWaves(ctx: SolveContext, scopes: Scope[], wavesBound: number): Promise<void> {
  for (const s of scopes) {
    if (s.costBy && s.best.found) continue;
    if (secondsLeft(ctx) <= 0.5) { ctx.notes.push('time limit reached before every part was proven'); return; }
    await runPhase(ctx, s, 'cost');
  }
  const tried = new Set<Scope>();
  for (;;) {
    const length = Math.max(0, ...scopes.map((s) => s.best.waves.length));
    if (length <= wavesBound || scopes.some((s) => s.wavesBy && s.best.waves.length === length)) return;
    // Waves matter only among the cheapest plans, and only on the parts that are longest.
    const critical = scopes.filter((s) => s.best.waves.length === length);
    const next = critical.find((s) => !tried.has(s));
    if (!next || critical.some((s) => !s.costBy) || secondsLeft(ctx) <= 0.5) return;
    tried.add(next);
    const outcome = await runPhase(ctx, next, 'waves');
    if (outcome === 'stop') return;
  }
}

/** The whole instance, phase by phase (objectives other than cost, or no plan to start from). */
async function proveWhole(ctx: SolveContext, s: Scope, phases: Array<'cost' | 'waves' | 'makespan'>): Promise<void> {
  for (const phase of phases) {
    if (secondsLeft(ctx) <= 0.5) { ctx.notes.push('time limit reached before every phase ran'); return; }
    if (phase === 'cost' && s.costBy && s.best.found) continue;
    if (phase === 'waves' && s.wavesBy && s.best.found) continue;
    if ((await runPhase(ctx, s, phase)) !== 'proven') return;
  }
}

/** The merged plan, verified, with its proof level by level. */
function finish(ctx: SolveContext, h: Plan, scopes: Scope[], bounds: { cost: number; waves: number }, firstPlanSeconds: number): Plan {
  const { problem, settings: o, notes } = ctx;
  const { model } = problem;
  const found = scopes.every((s) => s.best.found);
  let waves = !found ? [] : scopes.length === 1 ? scopes[0]!.best.waves : mergeWaves(scopes.map((s) => s.best.waves), model.maxPerWave);
  let valid = true;
  if (found && scopes.length > 1 && !verifyPlan(problem, toWaveDocs(model, waves)).valid) {
    // Parts never share a host, so this cannot happen; never trusted blindly all the same.
    valid = false;
    waves = fromWaveDocs(model, h.waves);
    notes.push('the parts\' plans did not merge into a valid plan; the heuristic\'s plan stands, unproven');
  }
  const moves = waves.reduce((n, w) => n + w.length, 0);
  const seconds = (Date.now() - ctx.started) / 1000;
  const misplaced = scopes.reduce((n, s) => n + s.misplaced.length, 0);
  if (!found) {
    const status: Plan['status'] = 'unknown';
    return {
      status, engine: 'exact', waves: [], cost: null, lowerBound: Math.max(bounds.cost, h.lowerBound ?? 0),
      stats: { moves: 0, waves: 0, seconds, wavesLowerBound: bounds.waves, exact: { solver: o.solver, objective: o.objective, attempts: ctx.attempts, firstPlanSeconds: null } },
      notes: notes.map((n) => `exact: ${n}`), ...(h.explanation ? { explanation: h.explanation } : {}),
    };
  }
  const proof = proofOf(scopes, waves, movesCost(problem.cost, waves), bounds, valid);
  // A level is proven with the first plan, or when a solver's answer last settled one of its parts.
  const at = (l: 'cost' | 'waves') => Math.max(firstPlanSeconds, ctx.provenAt[l]);
  const proofSeconds = !proof.cost.proven ? null : proof.waves.proven ? Math.max(at('cost'), at('waves')) : at('cost');
  notes.push(describeProof(proof) + (ctx.attempts.length ? '' : proof.cost.proven ? '; no solver call needed' : ''));
  return {
    status: proof.cost.proven ? 'optimal' : 'feasible', engine: 'exact', waves: toWaveDocs(model, waves),
    cost: proof.cost.value, lowerBound: proof.cost.lowerBound,
    stats: {
      moves, waves: waves.length, seconds, detours: moves - misplaced, wavesLowerBound: proof.waves.lowerBound,
      exact: {
        solver: o.solver, objective: o.objective, costProven: proof.cost.proven, wavesProven: proof.waves.proven, proof,
        heuristic: { status: h.status, cost: h.cost, waves: h.waves.length }, attempts: ctx.attempts,
        firstPlanSeconds, proofSeconds,
      },
    },
    notes: notes.map((n) => `exact: ${n}`),
  };
}

/** Level by level: the whole plan's figures against the sum (cost) or the most (waves) of the parts' bounds. */
function proofOf(scopes: Scope[], waves: Move[][], planCost: number, bounds: { cost: number; waves: number }, valid: boolean): ExactProof {
  const many = scopes.length > 1;
  const joint = (bys: Array<ProofSource | undefined>): ProofSource | undefined =>
    !valid || bys.some((b) => !b) ? undefined : !many ? bys[0] : bys.every((b) => b === 'bound') ? 'bound' : 'parts';
  const costLb = Math.max(bounds.cost, scopes.reduce((s, x) => s + x.costLowerBound, 0));
  const cost = level(planCost, costLb, joint(scopes.map((s) => s.costBy)));
  // Fewest waves: the bound on any plan, or (cost proven) a longest part proven at its length.
  const longest = scopes.filter((s) => s.best.waves.length === waves.length && s.wavesBy && (s.wavesBy === 'bound' || cost.proven));
  const wavesLb = Math.max(bounds.waves, ...scopes.filter((s) => s.wavesBy !== 'mip' || cost.proven).map((s) => s.wavesLowerBound));
  const wavesBy: ProofSource | undefined = !valid ? undefined : waves.length <= bounds.waves ? 'bound' : longest.length ? (many ? 'parts' : longest[0]!.wavesBy) : undefined;
  const proof: ExactProof = { cost, waves: level(waves.length, wavesLb, wavesBy) };
  if (many) {
    proof.parts = scopes.map((s) => ({
      hosts: s.hosts?.length ?? 0, misplaced: s.misplaced.length, movable: s.vms?.size ?? 0,
      cost: level(s.best.cost, s.costLowerBound, s.costBy), waves: level(s.best.waves.length, s.wavesLowerBound, s.wavesBy),
    }));
  }
  return proof;
}
