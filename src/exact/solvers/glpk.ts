/**
 * GLPK (glpk.js 5, WebAssembly, a regular dependency) behind SolverBackend.
 *
 * glpk.js returns only status, z and values: no bound, gap or node count. So
 * GLPK runs with msglev GLP_MSG_ALL and its terminal output is parsed; the
 * module binds console.log/console.error inside GLPK(), so those are routed to
 * a switchable sink before it is awaited (one cached instance per thread).
 * Progress lines (one every ~5 s and one on stopping):
 *   +  59042: mip =  -2.016600000e+03 >=  -2.022281373e+03   0.3% (16241; 3138)
 *   +    157: >>>>>  -2.403000000e+03 >=  -2.414000000e+03   0.5% (30; 7)
 *   +     43: mip =     not found yet >=              -inf        (1; 0)
 *   +    218: mip =  -2.403000000e+03 >=     tree is empty   0.0% (0; 89)
 * i.e. simplex iterations: incumbent >= best bound, gap (active nodes; nodes
 * solved and removed). The last one gives bound and nodes; the gap is
 * recomputed from the full-precision numbers.
 *
 * Status (glp_mip_status / glp_get_status): 5 GLP_OPT optimal; 2 GLP_FEAS
 * stopped with a solution (time limit, mipgap); 4 GLP_NOFEAS infeasible;
 * 3 GLP_INFEAS (LP only) current basis infeasible, no proof: unknown;
 * 6 GLP_UNBND unbounded: error; 1 GLP_UNDEF nothing found (z is 0, not
 * reported): the log says if the presolver proved infeasibility or
 * unboundedness, or time ran out.
 *
 * Quirks: integer columns need integral bounds (prepareModel rounds them);
 * every column gets explicit bounds with its GLP_* type, and integers go in
 * `generals` (`binaries` would reset bounds to [0, 1]); presolve is on for MIPs
 * (glpk.js runs glp_intopt without an LP basis) and off for LPs (its LP
 * presolver fails on some infeasible LPs); tmlim becomes whole milliseconds.
 * The MIP preprocessor has bugs on some infeasible models: see foldSingletons.
 */

import GLPK from 'glpk.js/node';
import type { LP } from 'glpk.js/node';
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

type Glpk = Awaited<ReturnType<typeof GLPK>>;

/** Where GLPK's terminal output goes while a solve runs (else to the real console.log). */
let sink: ((line: string) => void) | undefined;
let instance: Promise<Glpk> | undefined;

function loadGlpk(): Promise<Glpk> {
  if (!instance) {
    // The module binds console.log (its output) and console.error (its abort
    // message) while GLPK() runs: bind it to routers that feed the sink.
    const originalLog = console.log;
    const originalError = console.error;
    const route = (original: (...args: unknown[]) => void) => (...args: unknown[]) => {
      if (sink) sink(args.map(String).join(' '));
      else original.apply(console, args);
    };
    const logRouter = route(originalLog);
    const errorRouter = route(originalError);
    console.log = logRouter;
    console.error = errorRouter;
    instance = GLPK().finally(() => {
      if (console.log === logRouter) console.log = originalLog;
      if (console.error === errorRouter) console.error = originalError;
    });
    instance.catch(() => {
      instance = undefined;
    });
  }
  return instance;
}

/** One parsed progress line. */
export interface GlpkProgressLine {
  iterations: number;
  /** Incumbent objective, if one was found. */
  incumbent?: number;
  /** Best bound; undefined for -inf; equal to the incumbent when the tree is empty. */
  bound?: number;
  /** GLPK's rounded gap in percent, when printed. */
  gapPercent?: number;
  activeNodes: number;
  nodes: number;
  treeEmpty: boolean;
}

const NUM = '[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?';
const PROGRESS = new RegExp(
  `^\\+\\s*(\\d+):\\s*(?:mip\\s*=|>>>>>)\\s*(not found yet|${NUM})\\s*(?:>=|<=)\\s*(tree is empty|[-+]?inf|${NUM})\\s*(?:(<\\s*0\\.1|${NUM})%)?\\s*\\((\\d+);\\s*(\\d+)\\)`,
);

/** Parses a GLPK branch-and-bound progress line; undefined for any other line. */
export function parseGlpkProgress(line: string): GlpkProgressLine | undefined {
  const m = PROGRESS.exec(line.trim());
  if (!m) return undefined;
  const incumbent = m[2] === 'not found yet' ? undefined : Number(m[2]);
  const treeEmpty = m[3] === 'tree is empty';
  let bound: number | undefined;
  if (treeEmpty) bound = incumbent;
  else if (!/inf$/.test(m[3]!)) bound = Number(m[3]);
  let gapPercent: number | undefined;
  if (m[4] !== undefined) gapPercent = m[4].startsWith('<') ? 0.1 : Number(m[4]);
  return {
    iterations: Number(m[1]),
    incumbent,
    bound,
    gapPercent,
    activeNodes: Number(m[5]),
    nodes: Number(m[6]),
    treeEmpty,
  };
}

/** Messages GLPK prints on stopping, by what they mean. */
const LOG = {
  noPrimal: /PROBLEM HAS NO PRIMAL FEASIBLE SOLUTION|LP RELAXATION HAS NO PRIMAL FEASIBLE SOLUTION/,
  unbounded: /HAS UNBOUNDED PRIMAL SOLUTION|PROBLEM HAS NO DUAL FEASIBLE SOLUTION|LP RELAXATION HAS NO DUAL FEASIBLE SOLUTION/,
  timeLimit: /TIME LIMIT EXCEEDED/,
  gapReached: /RELATIVE MIP GAP TOLERANCE REACHED/,
  apiError: /^glp_\w+: /,
};

/**
 * GLPK 5.0's MIP preprocessor can return a wrong "optimal" solution for
 * integer-infeasible rows: a singleton row on an integer column with two
 * values (3x in [1, 2], x in {0, 1} gives x = 1), also when the row becomes a
 * singleton once fixed columns are removed, and all-integer rows whose bounds
 * hold no multiple of the coefficients' gcd (4x - 2y in [6.5, 7.5]). So fixed
 * columns are folded into the row bounds, singleton rows become column bounds
 * and all-integer rows get bounds rounded to multiples of their gcd, until
 * nothing changes; columns keep their indices (fixed ones stay, lb = ub).
 * Returns the reason when this proves the model infeasible. (Solutions are
 * still checked afterwards: rejectBrokenSolution. The preprocessor can also
 * fail an assertion, "q->lb < q->ub" in npp3.c, on some infeasible MIPs: the
 * WebAssembly module aborts, the result is status 'error' "GLPK crashed ..."
 * and the next solve loads a fresh module.)
 */
export function foldSingletons(model: PreparedModel): PreparedModel | string {
  const variables = model.variables.map((v) => ({ ...v }));
  let rows = model.rows.map((r) => ({ ...r, indices: [...r.indices], coefficients: [...r.coefficients] }));
  const tol = (x: number) => 1e-9 * Math.max(1, Math.abs(x));
  for (let changed = true; changed; ) {
    changed = false;
    const kept: typeof rows = [];
    for (const r of rows) {
      // Fold fixed columns into the bounds.
      for (let k = r.indices.length - 1; k >= 0; k--) {
        const v = variables[r.indices[k]!]!;
        if (v.lb === v.ub) {
          const shift = r.coefficients[k]! * v.lb;
          r.lb -= shift;
          r.ub -= shift;
          r.indices.splice(k, 1);
          r.coefficients.splice(k, 1);
        }
      }
      if (r.indices.length === 0) {
        if (r.lb > tol(r.lb) || r.ub < -tol(r.ub)) return `row ${r.name} cannot hold with its fixed variables`;
        continue;
      }
      if (r.indices.length > 1) {
        // All-integer rows: the activity is a multiple of the coefficients' gcd.
        if (r.coefficients.every(Number.isInteger) && r.indices.every((j) => variables[j]!.integer)) {
          const g = r.coefficients.reduce((a, b) => gcd(a, Math.abs(b)), 0);
          const lb = Number.isFinite(r.lb) ? g * Math.ceil(r.lb / g - tol(r.lb / g)) : r.lb;
          const ub = Number.isFinite(r.ub) ? g * Math.floor(r.ub / g + tol(r.ub / g)) : r.ub;
          if (lb > ub) return `row ${r.name} has no multiple of ${g} in [${r.lb}, ${r.ub}]`;
          r.lb = lb;
          r.ub = ub;
        }
        kept.push(r);
        continue;
      }
      // A singleton: a x in [lb, ub] bounds x.
      const j = r.indices[0]!;
      const a = r.coefficients[0]!;
      const v = variables[j]!;
      let lo = a > 0 ? r.lb / a : r.ub / a;
      let hi = a > 0 ? r.ub / a : r.lb / a;
      if (v.integer) {
        if (Number.isFinite(lo)) lo = Math.ceil(lo - tol(lo));
        if (Number.isFinite(hi)) hi = Math.floor(hi + tol(hi));
      }
      const lb = Math.max(v.lb, lo);
      const ub = Math.min(v.ub, hi);
      if (lb > ub + tol(ub)) return `row ${r.name} leaves no ${v.integer ? 'integer ' : ''}value for variable #${j}`;
      if (lb !== v.lb || ub !== v.ub) changed = true;
      v.lb = lb;
      v.ub = Math.max(lb, ub);
    }
    rows = kept;
  }
  return { ...model, variables, rows };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function buildLp(glpk: Glpk, model: PreparedModel, name: string): LP {
  const DBL_MAX = Number.MAX_VALUE;
  const typeOf = (lb: number, ub: number): number => {
    if (lb === -Infinity && ub === Infinity) return glpk.GLP_FR;
    if (ub === Infinity) return glpk.GLP_LO;
    if (lb === -Infinity) return glpk.GLP_UP;
    if (lb === ub) return glpk.GLP_FX;
    return glpk.GLP_DB;
  };
  // Infinite sides are ignored for the matching types; pass finite numbers anyway.
  const finite = (x: number) => (x === Infinity ? DBL_MAX : x === -Infinity ? -DBL_MAX : x);
  const colName = (j: number) => `x${j}`;
  return {
    name,
    objective: {
      direction: glpk.GLP_MIN,
      name: 'obj',
      vars: model.variables.flatMap((v, j) => (v.cost !== 0 ? [{ name: colName(j), coef: v.cost }] : [])),
    },
    subjectTo: model.rows.map((r, i) => ({
      name: `r${i}`,
      vars: r.indices.map((j, k) => ({ name: colName(j), coef: r.coefficients[k]! })),
      bnds: { type: typeOf(r.lb, r.ub), lb: finite(r.lb), ub: finite(r.ub) },
    })),
    bounds: model.variables.map((v, j) => ({ name: colName(j), type: typeOf(v.lb, v.ub), lb: finite(v.lb), ub: finite(v.ub) })),
    generals: model.variables.flatMap((v, j) => (v.integer ? [colName(j)] : [])),
  };
}

/** GLPK's terminal output of one solve, and the last progress line in it. */
interface SolveLog {
  lines: string[];
  progress?: GlpkProgressLine;
}

/** Routes GLPK's output into `log` while it runs; progress lines also go to `onProgress`. */
function listen(log: SolveLog, offset: number, start: number, onProgress?: ProgressListener): void {
  sink = (line) => {
    // Bounded: the messages that matter are at the start and the end.
    if (log.lines.length >= 4000) log.lines.splice(200, 2000);
    log.lines.push(line);
    const p = parseGlpkProgress(line);
    if (!p) return;
    log.progress = p;
    onProgress?.({
      objective: p.incumbent !== undefined ? p.incumbent + offset : undefined,
      bound: p.bound !== undefined ? p.bound + offset : undefined,
      nodes: p.nodes,
      seconds: secondsSince(start),
    });
  };
}

/** Runs glp_intopt / glp_simplex with the log routed to `log`; a WebAssembly abort becomes an error naming GLPK's last words. */
function runGlpk(glpk: Glpk, lp: LP, model: PreparedModel, req: SolveRequest, log: SolveLog, start: number, onProgress?: ProgressListener) {
  listen(log, model.offset, start, onProgress);
  try {
    return glpk.solve(lp, {
      msglev: glpk.GLP_MSG_ALL,
      // The MIP solver needs its presolver here (glpk.js runs no LP
      // first); the LP one cannot "recover" some infeasible LPs.
      presol: model.hasIntegers,
      mipgap: req.gap ?? 0,
      ...(Number.isFinite(req.timeLimit) ? { tmlim: Math.max(0, req.timeLimit) } : {}),
    });
  } catch (e) {
    // An aborted WebAssembly module is unusable: load a fresh one next time.
    instance = undefined;
    // GLPK's own message (an assertion, xerror) precedes the abort.
    const said = log.lines.filter((l) => !l.startsWith('Aborted(')).slice(-3).join(' / ');
    throw new Error(`GLPK crashed: ${(e as Error).message}${said ? ` after: ${said}` : ''}`);
  } finally {
    sink = undefined;
  }
}

type GlpkOutput = ReturnType<Glpk['solve']>;

/** Puts the solution GLPK found on `result`: optimal when proven, else feasible with the log's last bound. */
function takeSolution(result: SolveResult, req: SolveRequest, model: PreparedModel, out: GlpkOutput, log: SolveLog, proven: boolean): void {
  const { progress } = log;
  result.values = snapValues(req.model, model.variables.map((_, j) => out.result.vars[`x${j}`] ?? 0));
  result.objective = out.result.z + model.offset;
  if (proven) {
    result.status = 'optimal';
    result.bound = result.objective;
    result.gap = 0;
  } else {
    result.status = 'feasible';
    // The last progress line's bound stays valid (bounds only rise).
    if (progress?.bound !== undefined) {
      result.bound = Math.min(progress.bound + model.offset, result.objective);
      result.gap = relativeGap(result.objective, result.bound);
      if (closesGap(result.objective, result.bound)) result.status = 'optimal';
    }
  }
  if (progress) result.nodes = progress.nodes;
}

/** An error GLPK's API printed (`glp_...: ...`), if any. */
function apiErrorIn(log: SolveLog): string | undefined {
  return log.lines.find((l) => LOG.apiError.test(l));
}

/** Reads a MIP's outcome (glp_mip_status: GLP_UNDEF 1, GLP_OPT 5, GLP_FEAS 2, GLP_NOFEAS 4) onto `result`. */
function readMip(glpk: Glpk, result: SolveResult, status: number, text: string, log: SolveLog, offset: number): void {
  if (status === glpk.GLP_NOFEAS || LOG.noPrimal.test(text)) {
    result.status = 'infeasible';
    return;
  }
  if (LOG.unbounded.test(text)) {
    result.status = 'error';
    result.note = 'the LP relaxation is unbounded (the MIP is unbounded or infeasible)';
    return;
  }
  const apiError = apiErrorIn(log);
  if (apiError) {
    result.status = 'error';
    result.note = apiError;
    return;
  }
  // Nothing found (z is meaningless): keep only what the log proves.
  result.status = 'unknown';
  if (log.progress?.bound !== undefined) result.bound = log.progress.bound + offset;
  if (log.progress) result.nodes = log.progress.nodes;
}

/** Reads an LP's outcome (glp_get_status: GLP_INFEAS 3, GLP_NOFEAS 4, GLP_UNBND 6, GLP_UNDEF 1) onto `result`. */
function readLp(glpk: Glpk, result: SolveResult, status: number, text: string, log: SolveLog): void {
  if (status === glpk.GLP_NOFEAS || LOG.noPrimal.test(text)) {
    result.status = 'infeasible';
  } else if (status === glpk.GLP_UNBND || LOG.unbounded.test(text)) {
    result.status = 'error';
    result.note = 'the LP is unbounded (or infeasible)';
  } else {
    const apiError = apiErrorIn(log);
    result.status = apiError ? 'error' : 'unknown';
    if (apiError) result.note = apiError;
  }
}

/** Why GLPK stopped when that is the note to give: the cutoff, a limit, or its raw status. */
function stopNote(result: SolveResult, req: SolveRequest, text: string, status: number): string | undefined {
  if (result.status === 'infeasible' && req.cutoff !== undefined) {
    return `infeasible, or no solution at least as good as the cutoff ${req.cutoff}`;
  }
  if (LOG.timeLimit.test(text)) return 'time limit reached';
  if (LOG.gapReached.test(text)) return `relative gap ${req.gap} reached`;
  if (result.status === 'unknown') return `GLPK status ${status}`;
  return undefined;
}

/** Turns GLPK's status and log into a SolveResult. */
function interpret(glpk: Glpk, req: SolveRequest, model: PreparedModel, out: GlpkOutput, log: SolveLog, seconds: number): SolveResult {
  const text = log.lines.join('\n');
  const status = out.result.status;
  const result: SolveResult = { solver: 'glpk', status: 'unknown', seconds };
  if (status === glpk.GLP_OPT || status === glpk.GLP_FEAS) takeSolution(result, req, model, out, log, status === glpk.GLP_OPT);
  else if (model.hasIntegers) readMip(glpk, result, status, text, log, model.offset);
  else readLp(glpk, result, status, text, log);
  const note = result.note || stopNote(result, req, text, status);
  if (note) result.note = note;
  const checked = rejectBrokenSolution(req.model, result);
  if (checked !== result) checked.note += "; GLPK's MIP preprocessor answers like this for some infeasible models";
  return checked;
}

export const glpkBackend: SolverBackend = {
  name: 'glpk',

  async available() {
    try {
      await loadGlpk();
      return true;
    } catch {
      return false;
    }
  },

  async solve(req: SolveRequest, onProgress?: ProgressListener): Promise<SolveResult> {
    const solver = 'glpk';
    let start = performance.now();
    try {
      const prep = prepareModel(req);
      if (prep.kind === 'answer') return answerResult(solver, prep, secondsSince(start));
      const model = foldSingletons(prep.model);
      if (typeof model === 'string') {
        return answerResult(solver, { kind: 'answer', status: 'infeasible', note: model }, secondsSince(start));
      }
      const glpk = await loadGlpk();
      start = performance.now();
      const lp = buildLp(glpk, model, 'model');
      const log: SolveLog = { lines: [] };
      const out = runGlpk(glpk, lp, model, req, log, start, onProgress);
      return interpret(glpk, req, model, out, log, secondsSince(start));
    } catch (e) {
      return errorResult(solver, e, secondsSince(start));
    }
  },
};
