/**
 * HiGHS (npm `highs`, WebAssembly, an optional dependency) behind SolverBackend:
 * a much stronger MIP solver than GLPK, and the only backend reporting a proven
 * bound, gap and node count through an API rather than a log.
 *
 * Uses the package's persistent model API (highs >= 1.14): createModel() with
 * sparse CSR data, options.set(), run(), getModelStatus(), getSolution(),
 * info.get('mip_dual_bound' | 'mip_gap' | 'mip_node_count' (a bigint) |
 * 'primal_solution_status'), and always dispose(). The objective offset goes to
 * HiGHS (its objective, bound and gap tolerance include it). mip_rel_gap is set
 * to the request's gap (HiGHS's default is 1e-4, not 0). HiGHS calls a run that
 * stopped at mip_rel_gap "optimal"; here that is 'feasible' unless the gap is
 * closed. The feasibility-jump heuristic is off (a fixed ~100 ms per run).
 * Progress comes from the mipInterrupt callback (throttled). A run
 * ending in a presolve/solve/postsolve error (HiGHS 1.15 does so on some tiny
 * MIPs: "MIP solver claims optimality, but with ... infeasibilities") is run
 * again once without presolve, within the remaining time; so is one that
 * presolve ended "unbounded or infeasible".
 *
 * The package is loaded with a dynamic import so that shunt builds and runs
 * without it: available() is then false and solve() answers status 'error',
 * "highs is not installed". Only the parts used here are typed below.
 */

import type { SolveRequest, SolveResult } from '../linear-model.js';
import type { SolverBackend } from './backend.js';
import {
  answerResult,
  closesGap,
  errorResult,
  prepareModel,
  rejectBrokenSolution,
  relativeGap,
  secondsSince,
  snapValues,
  type PreparedModel,
  type ProgressListener,
} from './common.js';

interface HighsModelData {
  numCols: number;
  numRows: number;
  offset?: number;
  colCost: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  matrix: { format: 'csr'; numRows: number; numCols: number; starts: Int32Array; indices: Int32Array; values: Float64Array };
  integrality?: Int32Array;
}

interface HighsCallbackEvent {
  data: {
    mip_node_count?: bigint;
    mip_primal_bound?: number;
    mip_dual_bound?: number;
  };
}

interface HighsModel {
  options: { set(values: Record<string, string | number | boolean>): unknown };
  info: { get(name: string): number | bigint };
  run(callbacks?: Record<number, (event: HighsCallbackEvent) => undefined>): { modelStatus: number };
  getModelStatus(): number;
  getObjectiveValue(): number;
  getSolution(): { colValue: Float64Array };
  dispose(): void;
}

interface HighsRuntime {
  infinity: number;
  version: { string: string };
  constants: {
    modelStatus: Record<string, number>;
    callbackType: Record<string, number>;
  };
  createModel(data: HighsModelData): HighsModel;
}

let runtime: Promise<HighsRuntime | undefined> | undefined;
let loadError: string | undefined;

function loadHighs(): Promise<HighsRuntime | undefined> {
  if (!runtime) {
    runtime = (async () => {
      try {
        // A variable specifier: tsc must not require the optional package.
        const specifier = 'highs';
        const mod = (await import(specifier)) as { default: () => Promise<HighsRuntime> };
        const highs = await mod.default();
        if (typeof highs.createModel !== 'function') {
          loadError = `highs ${highs.version?.string ?? '?'} has no createModel(): version 1.14 or later is needed`;
          return undefined;
        }
        return highs;
      } catch (e) {
        loadError = `highs is not installed (${(e as Error).message})`;
        return undefined;
      }
    })();
  }
  return runtime;
}

function buildData(model: PreparedModel): HighsModelData {
  const n = model.variables.length;
  const m = model.rows.length;
  const starts = new Int32Array(m + 1);
  let nz = 0;
  for (const [i, r] of model.rows.entries()) {
    nz += r.indices.length;
    starts[i + 1] = nz;
  }
  const indices = new Int32Array(nz);
  const values = new Float64Array(nz);
  let k = 0;
  for (const r of model.rows) {
    for (let t = 0; t < r.indices.length; t++, k++) {
      indices[k] = r.indices[t]!;
      values[k] = r.coefficients[t]!;
    }
  }
  const data: HighsModelData = {
    numCols: n,
    numRows: m,
    offset: model.offset,
    colCost: Float64Array.from(model.variables, (v) => v.cost),
    colLower: Float64Array.from(model.variables, (v) => v.lb),
    colUpper: Float64Array.from(model.variables, (v) => v.ub),
    rowLower: Float64Array.from(model.rows, (r) => r.lb),
    rowUpper: Float64Array.from(model.rows, (r) => r.ub),
    matrix: { format: 'csr', numRows: m, numCols: n, starts, indices, values },
  };
  if (model.hasIntegers) data.integrality = Int32Array.from(model.variables, (v) => (v.integer ? 1 : 0));
  return data;
}

/** Seconds between progress reports from the mipInterrupt callback. */
const PROGRESS_EVERY = 0.5;

/** Error statuses after which HiGHS is asked once more, without presolve. */
const ERROR_STATUSES = ['presolveError', 'solveError', 'postsolveError'];
/** Also retried: presolve cannot tell these apart, the LP relaxation can. */
const RETRY_STATUSES = [...ERROR_STATUSES, 'unboundedOrInfeasible'];

/** Sets the run's options: gap, presolve, time limit, and no feasibility jump. */
function configure(hm: HighsModel, model: PreparedModel, req: SolveRequest, settings: { presolve: boolean; timeLimit: number }): void {
  hm.options.set({
    output_flag: false,
    mip_rel_gap: req.gap ?? 0,
    ...(settings.presolve ? {} : { presolve: 'off' }),
    ...(Number.isFinite(settings.timeLimit) ? { time_limit: Math.max(0, settings.timeLimit) } : {}),
  });
  if (!model.hasIntegers) return;
  // The feasibility-jump heuristic costs 30-250 ms per run whatever the
  // size (a 5-variable knapsack: ~100 ms with it, ~1 ms without) and found
  // nothing better on the test models. Older builds may lack the option.
  try {
    hm.options.set({ mip_heuristic_run_feasibility_jump: false });
  } catch {
    // keep the default
  }
}

type HighsCallbacks = Record<number, (event: HighsCallbackEvent) => undefined>;

/** The mipInterrupt callback that reports progress, at most every PROGRESS_EVERY seconds. */
function progressCallbacks(highs: HighsRuntime, model: PreparedModel, onProgress: ProgressListener | undefined, start: number): HighsCallbacks {
  const callbacks: HighsCallbacks = {};
  if (!onProgress || !model.hasIntegers) return callbacks;
  const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : undefined);
  let next = 0;
  callbacks[highs.constants.callbackType.mipInterrupt!] = (event) => {
    const t = secondsSince(start);
    if (t < next) return undefined;
    next = t + PROGRESS_EVERY;
    const { mip_primal_bound: p, mip_dual_bound: d, mip_node_count: nodes } = event.data;
    onProgress({ objective: finite(p), bound: finite(d), nodes: nodes !== undefined ? Number(nodes) : undefined, seconds: t });
    return undefined;
  };
  return callbacks;
}

/** Runs the model; returns HighsError's message when the native call returned -1 (the model status says why). */
function runModel(hm: HighsModel, callbacks: HighsCallbacks): string | undefined {
  try {
    hm.run(callbacks);
    return undefined;
  } catch (e) {
    if (!(e instanceof Error) || (e as { status?: unknown }).status !== -1) throw e;
    return e.message;
  }
}

/** What a finished run tells: its model status (number and name) and its info values. */
interface RunOutcome {
  hm: HighsModel;
  ms: Record<string, number>;
  status: number;
  statusName: string;
  runError?: string;
  info(name: string): number | undefined;
  /** The MIP's proven bound, when finite. */
  finiteBound(): number | undefined;
}

function outcomeOf(highs: HighsRuntime, hm: HighsModel, model: PreparedModel, runError: string | undefined): RunOutcome {
  const ms = highs.constants.modelStatus;
  const status = hm.getModelStatus();
  const info = (name: string): number | undefined => {
    try {
      const v = hm.info.get(name);
      return typeof v === 'bigint' ? Number(v) : v;
    } catch {
      return undefined;
    }
  };
  const finiteBound = () => {
    if (!model.hasIntegers) return undefined;
    const b = info('mip_dual_bound');
    return b !== undefined && Number.isFinite(b) ? b : undefined;
  };
  const statusName = Object.keys(ms).find((k) => ms[k] === status) ?? String(status);
  return { hm, ms, status, statusName, runError, info, finiteBound };
}

/** A run that holds a feasible primal solution (optimal, or stopped by a limit or the gap). */
function takeSolution(result: SolveResult, run: RunOutcome, model: PreparedModel, req: SolveRequest): void {
  const { hm, ms, status } = run;
  result.objective = hm.getObjectiveValue();
  result.values = snapValues(req.model, hm.getSolution().colValue);
  const bound = status === ms.optimal && !model.hasIntegers ? result.objective : run.finiteBound();
  if (bound !== undefined) {
    result.bound = Math.min(bound, result.objective);
    result.gap = relativeGap(result.objective, result.bound);
  }
  if (status === ms.optimal && (result.bound === undefined || closesGap(result.objective, result.bound))) {
    result.status = 'optimal';
  } else {
    result.status = 'feasible';
    result.note = status === ms.optimal ? `relative gap ${req.gap ?? 0} reached` : statusLimitNote(run.statusName);
  }
}

/** Turns the run's model status and info into a SolveResult. */
function interpret(run: RunOutcome, model: PreparedModel, req: SolveRequest, seconds: number): SolveResult {
  const { ms, status, statusName, runError } = run;
  const result: SolveResult = { solver: 'highs', status: 'unknown', seconds };
  if (model.hasIntegers) result.nodes = run.info('mip_node_count');
  if (status === ms.infeasible) {
    result.status = 'infeasible';
    if (req.cutoff !== undefined) result.note = `infeasible, or no solution at least as good as the cutoff ${req.cutoff}`;
  } else if (status === ms.unbounded || status === ms.unboundedOrInfeasible) {
    result.status = 'error';
    result.note = status === ms.unbounded ? 'the model is unbounded' : 'the model is unbounded or infeasible';
  } else if (runError !== undefined || ['loadError', 'modelError', ...ERROR_STATUSES].includes(statusName)) {
    result.status = 'error';
    result.note = `HiGHS model status ${statusName}${runError ? ` (${runError})` : ''}`;
  } else if (run.info('primal_solution_status') === 2) {
    takeSolution(result, run, model, req);
  } else {
    result.status = 'unknown';
    const bound = run.finiteBound();
    if (bound !== undefined) result.bound = bound;
    result.note = statusLimitNote(statusName);
  }
  if (result.nodes === undefined) delete result.nodes;
  return result;
}

/**
 * One HiGHS run; throws only for failures outside the solve itself. A run that
 * HiGHS ends with native status -1 (run() throws HighsError) is mapped from its
 * model status like any other.
 */
function runOnce(
  highs: HighsRuntime,
  model: PreparedModel,
  req: SolveRequest,
  settings: { presolve: boolean; timeLimit: number },
  onProgress: ProgressListener | undefined,
  start: number,
): { result: SolveResult; statusName: string } {
  const hm = highs.createModel(buildData(model));
  try {
    configure(hm, model, req, settings);
    const runError = runModel(hm, progressCallbacks(highs, model, onProgress, start));
    const seconds = secondsSince(start);
    const run = outcomeOf(highs, hm, model, runError);
    return { result: rejectBrokenSolution(req.model, interpret(run, model, req, seconds)), statusName: run.statusName };
  } finally {
    hm.dispose();
  }
}

export const highsBackend: SolverBackend = {
  name: 'highs',

  async available() {
    return (await loadHighs()) !== undefined;
  },

  async solve(req: SolveRequest, onProgress?: ProgressListener): Promise<SolveResult> {
    const solver = 'highs';
    let start = performance.now();
    try {
      const highs = await loadHighs();
      if (!highs) return { solver, status: 'error', seconds: secondsSince(start), note: loadError ?? 'highs is not installed' };
      const prep = prepareModel(req);
      if (prep.kind === 'answer') return answerResult(solver, prep, secondsSince(start));
      const model = prep.model;
      start = performance.now();
      const first = runOnce(highs, model, req, { presolve: true, timeLimit: req.timeLimit }, onProgress, start);
      // HiGHS 1.15 sometimes ends a tiny MIP with "solveError" after postsolve
      // leaves a 1e-6 infeasibility ("MIP solver claims optimality, but with ...
      // infeasibilities"), and its presolve may find "unbounded or infeasible":
      // without presolve it tells.
      const remaining = req.timeLimit - secondsSince(start);
      if (!RETRY_STATUSES.includes(first.statusName) || !(remaining > 0)) return first.result;
      const second = runOnce(highs, model, req, { presolve: false, timeLimit: remaining }, onProgress, start);
      const result = second.result;
      result.note = `${result.note ? `${result.note}; ` : ''}solved without presolve after ${first.result.note}`;
      return result;
    } catch (e) {
      // An aborted WebAssembly runtime is unusable: load a fresh one next time.
      if (e instanceof WebAssembly.RuntimeError) runtime = undefined;
      return errorResult(solver, e, secondsSince(start));
    }
  },
};

function statusLimitNote(statusName: string): string {
  return statusName === 'timeLimit' ? 'time limit reached' : `HiGHS model status ${statusName}`;
}
