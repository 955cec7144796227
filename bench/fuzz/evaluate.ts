/**
 * One instance through the oracle and the engine: what the oracle and the construction
 * know, what planMigrations returned, its independent re-verification, and the verdict.
 */
import { loadInstance, planMigrations, PlanRejectedError } from '../../src/api.js';
import type { Plan, PlanStatus } from '../../src/model/plan.js';
import type { Problem } from '../../src/plugin-api.js';
import { verifyPlan } from '../../src/verify/replay.js';
import type { Family, FuzzInstance } from './instance.js';
import { solveByOracle, type OracleLimits, type OracleMove } from './oracle.js';

export type Outcome = 'verified' | 'invalid' | 'crash' | 'timeout' | 'infeasible' | 'unknown' | 'rejected';

export interface OracleSummary {
  status: 'feasible' | 'infeasible' | 'gave-up' | 'skipped';
  optimum?: number;
  states: number;
  seconds: number;
  reason?: string;
}

/** What is known before the engine runs: from the construction, then the oracle. */
export interface Truth {
  feasible?: boolean;
  optimum?: number;
  oracle: OracleSummary;
  /** Where the construction and the oracle disagree with each other or with verification (a fuzzer bug). */
  disagreements: string[];
}

export interface InstanceResult {
  family: Family;
  seed: number;
  index: number;
  shape: string;
  hosts: number;
  vms: number;
  timeLimit: number;
  truth: Truth;
  outcome: Outcome;
  engineStatus?: PlanStatus;
  message?: string;
  /** Wall time of planMigrations. */
  seconds?: number;
  cost?: number;
  waves?: number;
  wavesLowerBound?: number;
  falseInfeasible: boolean;
  falseUnknown: boolean;
  /** The engine said "optimal" for a plan dearer than the optimum. */
  falseOptimal: boolean;
}

/** A late answer is a timeout: the engine must honour its time limit within 10 %. */
export const lateAfter = (timeLimit: number) => timeLimit * 1.1;

function serialWaves(problem: Problem, moves: OracleMove[]) {
  const { hosts, vms } = problem.model;
  return moves.map((m) => ({ migrations: [{ vm: vms[m.vm]!.name, from: hosts[m.from]!.name, to: hosts[m.to]!.name }] }));
}

/**
 * VM × host pairs beyond which the oracle is not tried: every placement it expands checks
 * each pair, and clouds this size (the reachable family) never finish.
 */
export const ORACLE_MAX_PAIRS = 2000;

/** Runs the oracle (on instances small enough) and reconciles it with the construction. */
export function establishTruth(instance: FuzzInstance, problem: Problem, limits: Required<OracleLimits>): Truth {
  const { model } = problem;
  const disagreements: string[] = [];
  const started = Date.now();
  let oracle: OracleSummary;
  if (model.vms.length * model.hosts.length > ORACLE_MAX_PAIRS) {
    oracle = { status: 'skipped', states: 0, seconds: 0, reason: 'too large for exhaustive search' };
  } else {
    // Where the construction proves the optimum, the oracle only cross-checks the smaller instances.
    const budget = instance.known.optimum === undefined ? limits : { maxStates: limits.maxStates / 10, maxChecks: limits.maxChecks / 10 };
    const found = solveByOracle(problem, budget);
    oracle = { status: found.status, states: found.states, seconds: (Date.now() - started) / 1000 };
    if (found.status === 'gave-up') oracle.reason = found.reason;
    if (found.status === 'feasible') {
      oracle.optimum = found.optimum;
      const replay = verifyPlan(problem, serialWaves(problem, found.moves));
      if (!replay.valid) disagreements.push(`the oracle's plan fails verification: ${replay.violations[0]?.message}`);
      if (replay.cost !== found.optimum) disagreements.push(`the oracle's plan costs ${replay.cost} replayed, ${found.optimum} searched`);
    }
  }
  const { known } = instance;
  if (known.feasible && oracle.status === 'infeasible') disagreements.push('the oracle says infeasible, the construction has a plan');
  if (known.optimum !== undefined && oracle.optimum !== undefined && known.optimum !== oracle.optimum) {
    disagreements.push(`optimum ${known.optimum} by construction, ${oracle.optimum} by the oracle`);
  }
  const feasible = known.feasible ?? (oracle.status === 'feasible' ? true : oracle.status === 'infeasible' ? false : undefined);
  const optimum = known.optimum ?? oracle.optimum;
  return { ...(feasible === undefined ? {} : { feasible }), ...(optimum === undefined ? {} : { optimum }), oracle, disagreements };
}

/** Loads the instance (a rejection is a generator bug) and establishes what is known. */
export async function prepare(instance: FuzzInstance, limits: Required<OracleLimits>): Promise<{ truth: Truth } | { rejected: string }> {
  try {
    const loaded = await loadInstance(instance.doc, { source: `${instance.family}#${instance.index}` });
    return { truth: establishTruth(instance, loaded.problem, limits) };
  } catch (error) {
    return { rejected: error instanceof Error ? error.message : String(error) };
  }
}

function baseResult(instance: FuzzInstance, truth: Truth): InstanceResult {
  return {
    family: instance.family, seed: instance.seed, index: instance.index, shape: instance.shape,
    hosts: instance.doc.hosts.length, vms: instance.doc.vms.length, timeLimit: instance.timeLimit,
    truth, outcome: 'crash', falseInfeasible: false, falseUnknown: false, falseOptimal: false,
  };
}

/** The verdict on a plan the engine returned for the instance, against what is known. */
export function judge(instance: FuzzInstance, truth: Truth, plan: Plan, problem: Problem): InstanceResult {
  return judgePlan(baseResult(instance, truth), plan, problem);
}

function judgePlan(result: InstanceResult, plan: Plan, problem: Problem): InstanceResult {
  const { truth } = result;
  result.engineStatus = plan.status;
  if (plan.status === 'infeasible' || plan.status === 'unknown') {
    result.outcome = plan.status;
    result.falseInfeasible = plan.status === 'infeasible' && truth.feasible === true;
    result.falseUnknown = plan.status === 'unknown' && truth.feasible === true;
    return result;
  }
  const replay = verifyPlan(problem, plan.waves);
  if (!replay.valid) {
    result.outcome = 'invalid';
    result.message = replay.violations.slice(0, 3).map((v) => v.message).join('; ');
    return result;
  }
  result.outcome = 'verified';
  result.cost = replay.cost;
  result.waves = plan.waves.length;
  if (plan.stats.wavesLowerBound !== undefined) result.wavesLowerBound = plan.stats.wavesLowerBound;
  if (truth.feasible === false) truth.disagreements.push('the engine found a verified plan where the oracle proved none');
  if (truth.optimum !== undefined) {
    if (replay.cost < truth.optimum - 1e-9) truth.disagreements.push(`the engine's verified plan costs ${replay.cost}, below the optimum ${truth.optimum}`);
    result.falseOptimal = plan.status === 'optimal' && replay.cost > truth.optimum + 1e-9;
  }
  return result;
}

/** Plans the instance through the library entry and classifies what came back. */
export async function runEngine(instance: FuzzInstance, truth: Truth, engine?: string): Promise<InstanceResult> {
  const result = baseResult(instance, truth);
  const started = performance.now();
  try {
    const { plan, loaded } = await planMigrations(instance.doc, { timeLimit: instance.timeLimit, ...(engine ? { policy: { engine } } : {}) });
    result.seconds = (performance.now() - started) / 1000;
    judgePlan(result, plan, loaded.problem);
  } catch (error) {
    result.seconds = (performance.now() - started) / 1000;
    result.outcome = error instanceof PlanRejectedError ? 'invalid' : 'crash';
    result.message = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : String(error);
  }
  if (result.seconds > lateAfter(instance.timeLimit) && result.outcome !== 'invalid' && result.outcome !== 'crash') {
    result.message = `answered ${result.outcome} after ${result.seconds.toFixed(2)} s, limit ${instance.timeLimit} s`;
    result.outcome = 'timeout';
    result.falseInfeasible = result.falseUnknown = false;
  }
  return result;
}

/** The result of an instance that could not be planned at all: its document was rejected, or the worker died or was killed. */
export function failedResult(instance: Pick<FuzzInstance, 'family' | 'seed' | 'index' | 'shape' | 'doc' | 'timeLimit'> & Partial<FuzzInstance>, truth: Truth, outcome: Outcome, message: string, seconds?: number): InstanceResult {
  const result = baseResult({ known: {}, ...instance } as FuzzInstance, truth);
  result.outcome = outcome;
  result.message = message;
  if (seconds !== undefined) result.seconds = seconds;
  return result;
}
