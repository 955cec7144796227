/**
 * A solver-neutral mixed-integer linear program: what formulations build and
 * what solver backends consume. Minimisation only.
 */

export interface Variable {
  name: string;
  /** Bounds; binaries are integer with [0, 1]. */
  lb: number;
  ub: number;
  integer: boolean;
  /** Objective coefficient. */
  cost: number;
}

export interface Row {
  name: string;
  /** Sparse terms: variable index and coefficient. */
  terms: Array<[index: number, coefficient: number]>;
  /** lb <= sum <= ub; use -Infinity / Infinity for one-sided rows. */
  lb: number;
  ub: number;
}

export interface LinearModel {
  name: string;
  variables: Variable[];
  rows: Row[];
  /** Constant added to the objective. */
  offset?: number;
}

export interface SolveRequest {
  model: LinearModel;
  /** Seconds; the backend's own limit, and a hard kill a little after it. */
  timeLimit: number;
  /** Relative MIP gap at which to stop (0 = prove optimality). */
  gap?: number;
  /** Objective value of a known solution: solutions must be at least this good. */
  cutoff?: number;
}

export type SolveStatus = 'optimal' | 'feasible' | 'infeasible' | 'unknown' | 'error';

export interface SolveResult {
  solver: string;
  status: SolveStatus;
  /** Objective of the best solution found (with offset). */
  objective?: number;
  /** Best proven lower bound on the objective (with offset). */
  bound?: number;
  /** Relative gap (objective - bound) / max(|objective|, tiny). */
  gap?: number;
  nodes?: number;
  /** Value per variable, in model order, when a solution was found. */
  values?: number[];
  seconds: number;
  /** Why it ended, in words (time limit, killed, crash message). */
  note?: string;
}

export interface ModelSize {
  variables: number;
  integers: number;
  rows: number;
  nonZeros: number;
}

export function modelSize(model: LinearModel): ModelSize {
  return {
    variables: model.variables.length,
    integers: model.variables.filter((v) => v.integer).length,
    rows: model.rows.length,
    nonZeros: model.rows.reduce((n, r) => n + r.terms.length, 0),
  };
}
