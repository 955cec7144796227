/**
 * What every solver backend does the same way, so that the backends differ only
 * in how they talk to their solver: checking and normalising a LinearModel
 * (merged duplicate terms, integer bounds rounded inward, the cutoff as an
 * explicit objective row), trivial answers for degenerate models, the gap
 * formula, snapping integer values, checking a solution, and a JSON codec that
 * keeps Infinity (for sending models and results to a worker thread).
 */

import type { LinearModel, SolveRequest, SolveResult } from '../linear-model.js';

/** Live figures a backend may report while it runs (all with the objective offset). */
export interface SolveProgress {
  /** Best solution objective so far, if any. */
  objective?: number;
  /** Best proven lower bound so far, if any. */
  bound?: number;
  nodes?: number;
  /** Seconds since the solve started. */
  seconds: number;
}

export type ProgressListener = (progress: SolveProgress) => void;

/** A variable after normalisation: integer bounds are integral, lb <= ub. */
export interface PreparedVariable {
  lb: number;
  ub: number;
  integer: boolean;
  cost: number;
}

/** A row after normalisation: no duplicate or zero terms, at least one term. */
export interface PreparedRow {
  name: string;
  indices: number[];
  coefficients: number[];
  lb: number;
  ub: number;
}

export interface PreparedModel {
  variables: PreparedVariable[];
  rows: PreparedRow[];
  offset: number;
  /** Whether any variable is integer (else it is an LP). */
  hasIntegers: boolean;
}

/** Either a model ready for a solver, or the answer without one. */
export type Preparation =
  | { kind: 'model'; model: PreparedModel }
  | { kind: 'answer'; status: 'infeasible' | 'optimal'; note: string; objective?: number; values?: number[] };

/** Tolerance for rows proven trivially (in)feasible, and for integer bounds. */
const EPS = 1e-9;

/** Relative slack added to the cutoff row so the known solution stays feasible. */
const CUTOFF_SLACK = 1e-9;

/**
 * Checks and normalises the model of a request. Throws an Error for a malformed
 * model (NaN, bad index, lb = +Infinity); returns an answer for models that need
 * no solver (a bound or empty row that cannot hold, no variables).
 */
export function prepareModel(req: SolveRequest): Preparation {
  const model = req.model;
  const offset = model.offset ?? 0;
  if (!Number.isFinite(offset)) throw new Error(`model ${model.name}: objective offset ${offset} is not finite`);
  const n = model.variables.length;
  const variables: PreparedVariable[] = [];
  let hasIntegers = false;
  for (const [j, v] of model.variables.entries()) {
    if (Number.isNaN(v.lb) || Number.isNaN(v.ub) || v.lb === Infinity || v.ub === -Infinity) {
      throw new Error(`variable ${v.name} (#${j}) has invalid bounds [${v.lb}, ${v.ub}]`);
    }
    if (!Number.isFinite(v.cost)) throw new Error(`variable ${v.name} (#${j}) has cost ${v.cost}`);
    let lb = v.lb;
    let ub = v.ub;
    if (v.integer) {
      hasIntegers = true;
      // GLPK refuses integer columns with fractional bounds; round them inward.
      if (Number.isFinite(lb)) lb = Math.ceil(lb - EPS);
      if (Number.isFinite(ub)) ub = Math.floor(ub + EPS);
    }
    if (lb > ub) {
      return {
        kind: 'answer',
        status: 'infeasible',
        note: `variable ${v.name} has no ${v.integer ? 'integer ' : ''}value in [${v.lb}, ${v.ub}]`,
      };
    }
    variables.push({ lb, ub, integer: v.integer, cost: v.cost });
  }

  const rows: PreparedRow[] = [];
  const addRow = (name: string, terms: Iterable<readonly [number, number]>, lb: number, ub: number): string | undefined => {
    if (Number.isNaN(lb) || Number.isNaN(ub) || lb === Infinity || ub === -Infinity) {
      throw new Error(`row ${name} has invalid bounds [${lb}, ${ub}]`);
    }
    if (lb > ub) return `row ${name} has bounds [${lb}, ${ub}]`;
    const merged = new Map<number, number>();
    for (const [index, coefficient] of terms) {
      if (!Number.isInteger(index) || index < 0 || index >= n) {
        throw new Error(`row ${name} refers to variable #${index}, but the model has ${n} variables`);
      }
      if (!Number.isFinite(coefficient)) throw new Error(`row ${name} has coefficient ${coefficient}`);
      merged.set(index, (merged.get(index) ?? 0) + coefficient);
    }
    const indices: number[] = [];
    const coefficients: number[] = [];
    for (const [index, coefficient] of [...merged].sort((a, b) => a[0] - b[0])) {
      if (coefficient !== 0) {
        indices.push(index);
        coefficients.push(coefficient);
      }
    }
    if (indices.length === 0) {
      // 0 must lie within the bounds.
      const tol = EPS * Math.max(1, Math.abs(lb === -Infinity ? 0 : lb), Math.abs(ub === Infinity ? 0 : ub));
      if (lb > tol || ub < -tol) return `row ${name} has no terms and bounds [${lb}, ${ub}]`;
      return undefined;
    }
    rows.push({ name, indices, coefficients, lb, ub });
    return undefined;
  };

  for (const row of model.rows) {
    const why = addRow(row.name, row.terms, row.lb, row.ub);
    if (why) return { kind: 'answer', status: 'infeasible', note: why };
  }
  if (req.cutoff !== undefined && Number.isFinite(req.cutoff)) {
    // Solutions at least as good as the cutoff: cost.x + offset <= cutoff (a little slack).
    const ub = req.cutoff - offset + CUTOFF_SLACK * Math.max(1, Math.abs(req.cutoff));
    const why = addRow(
      'cutoff',
      variables.map((v, j) => [j, v.cost] as const),
      -Infinity,
      ub,
    );
    if (why) return { kind: 'answer', status: 'infeasible', note: `no solution is as good as the cutoff ${req.cutoff}` };
  }

  if (n === 0) {
    return { kind: 'answer', status: 'optimal', note: 'no variables', objective: offset, values: [] };
  }
  return { kind: 'model', model: { variables, rows, offset, hasIntegers } };
}

/** A result for a Preparation that needed no solver. */
export function answerResult(solver: string, prep: Extract<Preparation, { kind: 'answer' }>, seconds: number): SolveResult {
  if (prep.status === 'optimal') {
    return {
      solver,
      status: 'optimal',
      objective: prep.objective,
      bound: prep.objective,
      gap: 0,
      nodes: 0,
      values: prep.values,
      seconds,
      note: prep.note,
    };
  }
  return { solver, status: 'infeasible', seconds, note: prep.note };
}

/** The result for a backend that threw: status 'error' with the message. */
export function errorResult(solver: string, error: unknown, seconds: number): SolveResult {
  const message = error instanceof Error ? error.message : String(error);
  return { solver, status: 'error', seconds, note: message };
}

/** (objective - bound) / max(|objective|, tiny), never negative; undefined without both. */
export function relativeGap(objective: number | undefined, bound: number | undefined): number | undefined {
  if (objective === undefined || bound === undefined) return undefined;
  if (!Number.isFinite(objective) || !Number.isFinite(bound)) return undefined;
  return Math.max(0, objective - bound) / Math.max(Math.abs(objective), 1e-10);
}

/** Whether objective and bound are close enough to call the solution proven optimal. */
export function closesGap(objective: number, bound: number): boolean {
  // HiGHS stops at an absolute gap of 1e-6 (mip_abs_gap); allow rounding above it.
  return objective - bound <= 1.000001e-6 + 1e-9 * Math.abs(objective);
}

/**
 * Turns a result whose values break the model into status 'error' (a solver
 * bug must not pass as a solution); returns the result unchanged otherwise.
 */
export function rejectBrokenSolution(model: LinearModel, result: SolveResult): SolveResult {
  if (!result.values) return result;
  const broken = checkSolution(model, result.values);
  if (!broken) return result;
  return {
    solver: result.solver,
    status: 'error',
    seconds: result.seconds,
    ...(result.nodes !== undefined ? { nodes: result.nodes } : {}),
    note: `rejected the solver's ${result.status} solution (objective ${result.objective}): ${broken}`,
  };
}

/** Integer variables' values within 1e-6 of an integer become that integer; -0 becomes 0. */
export function snapValues(model: LinearModel, values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let j = 0; j < model.variables.length; j++) {
    let x = values[j] ?? 0;
    if (model.variables[j]!.integer) {
      const r = Math.round(x);
      if (Math.abs(x - r) <= 1e-6) x = r;
    }
    out.push(x === 0 ? 0 : x);
  }
  return out;
}

/**
 * Describes the first way values break the model (bounds, integrality, rows),
 * undefined if none. The tolerance is relative: to max(1, |bound|) for
 * variables, to max(1, sum |a x|) for rows. The default 1e-5 accepts what
 * solvers leave within their own tolerances (HiGHS: rows off by ~3e-6) and
 * catches wrong answers.
 */
export function checkSolution(model: LinearModel, values: readonly number[], tol = 1e-5): string | undefined {
  if (values.length !== model.variables.length) return `expected ${model.variables.length} values, got ${values.length}`;
  for (const [j, v] of model.variables.entries()) {
    const x = values[j]!;
    if (!Number.isFinite(x)) return `variable ${v.name} = ${x}`;
    if (x < v.lb - tol * Math.max(1, Math.abs(v.lb)) || x > v.ub + tol * Math.max(1, Math.abs(v.ub))) {
      return `variable ${v.name} = ${x} is outside [${v.lb}, ${v.ub}]`;
    }
    if (v.integer && Math.abs(x - Math.round(x)) > tol) return `integer variable ${v.name} = ${x}`;
  }
  for (const row of model.rows) {
    let activity = 0;
    let scale = 0;
    for (const [j, a] of row.terms) {
      activity += a * values[j]!;
      scale += Math.abs(a * values[j]!);
    }
    scale = Math.max(1, scale);
    if (activity < row.lb - tol * scale || activity > row.ub + tol * scale) {
      return `row ${row.name} = ${activity} is outside [${row.lb}, ${row.ub}]`;
    }
  }
  return undefined;
}

/** cost.x + offset. */
export function objectiveOf(model: LinearModel, values: readonly number[]): number {
  let z = model.offset ?? 0;
  for (const [j, v] of model.variables.entries()) z += v.cost * values[j]!;
  return z;
}

/** Seconds since a performance.now() reading. */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

// JSON that survives non-finite numbers: they travel as {"$num": "Infinity"}.
const NUM_TAG = '$num';

/** JSON.stringify that encodes Infinity, -Infinity and NaN. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return { [NUM_TAG]: String(v) };
    if (typeof v === 'bigint') return Number(v);
    return v;
  });
}

/** JSON.parse that decodes what encodeJson encoded. */
export function decodeJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === NUM_TAG) {
        const s = (v as Record<string, unknown>)[NUM_TAG];
        if (s === 'Infinity' || s === '-Infinity' || s === 'NaN') return Number(s);
      }
    }
    return v;
  }) as T;
}
