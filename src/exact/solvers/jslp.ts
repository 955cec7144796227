/**
 * javascript-lp-solver behind SolverBackend: pure JavaScript, dense tableau,
 * plain branch and bound. Only for tiny models and for cross-checking the other
 * backends; it proves no bound beyond the optimum it returns.
 *
 * Its JSON model: {optimize: '<attribute>', opType: 'min', constraints:
 * {name: {min?, max?, equal?}}, variables: {name: {attribute: coefficient}},
 * ints: {name: 1}}. Its variables are >= 0, so each model variable becomes
 * shifted nonnegative columns with upper bounds as single-column rows (see
 * buildModel); its presolve is off (it mishandles singleton rows). Free rows
 * are left out. It reports feasible / bounded / isIntegral and the
 * nonzero values only; a timeout (options.timeout, ms) returns the best found
 * so far without saying so, so a run that used its whole time is 'feasible'.
 * Values are checked against the model before they are trusted.
 */

import jslpModule from 'javascript-lp-solver';
import type { Model as JslpModel, SolveResult as JslpResult, SolverAPI } from 'javascript-lp-solver';
import type { SolveRequest, SolveResult } from '../linear-model.js';
import type { SolverBackend } from './backend.js';
import {
  answerResult,
  errorResult,
  objectiveOf,
  prepareModel,
  rejectBrokenSolution,
  secondsSince,
  snapValues,
  type PreparedModel,
} from './common.js';

// Its typings describe a CommonJS module (default = the namespace) while Node
// loads its ES module (default = the solver): accept either shape.
const solver: SolverAPI =
  'Solve' in jslpModule ? (jslpModule as unknown as SolverAPI) : (jslpModule as unknown as { default: SolverAPI }).default;

const OBJ = '__objective';

/**
 * How a model variable is expressed in nonnegative jslp columns:
 * x = base + sum(sign * column).
 */
interface Substitution {
  base: number;
  columns: Array<{ name: string; sign: 1 | -1 }>;
}

/**
 * Every variable becomes nonnegative columns (jslp's `unrestricted` is not
 * used: its presolve drops a singleton row's lower bound on such a variable,
 * returning x = 0 for min x with -1 <= x <= 0): x = lb + y for a finite lb,
 * x = ub - y for lb = -Infinity, x = y+ - y- for a free x. Integer bounds are
 * integral (prepareModel), so the columns of an integer variable are integer.
 */
function buildModel(model: PreparedModel, req: SolveRequest): { jslp: JslpModel; subs: Substitution[] } {
  const variables: Record<string, Record<string, number>> = {};
  const constraints: JslpModel['constraints'] = {};
  const ints: Record<string, 1> = {};
  const bound = (lb: number, ub: number) =>
    lb === ub ? { equal: lb } : { ...(lb > -Infinity ? { min: lb } : {}), ...(ub < Infinity ? { max: ub } : {}) };

  const subs = model.variables.map((v, j): Substitution => {
    const column = (suffix: string, sign: 1 | -1, cap: number) => {
      const name = `v${j}${suffix}`;
      variables[name] = { [OBJ]: sign * v.cost };
      if (v.integer) ints[name] = 1;
      if (cap < Infinity) {
        constraints[`b${j}`] = cap === 0 ? { equal: 0 } : { max: cap };
        variables[name]![`b${j}`] = 1;
      }
      return { name, sign };
    };
    if (v.lb > -Infinity) return { base: v.lb, columns: [column('', 1, v.ub - v.lb)] };
    if (v.ub < Infinity) return { base: v.ub, columns: [column('', -1, Infinity)] };
    return { base: 0, columns: [column('p', 1, Infinity), column('m', -1, Infinity)] };
  });
  model.rows.forEach((r, i) => {
    if (r.lb === -Infinity && r.ub === Infinity) return;
    let shift = 0;
    r.indices.forEach((j, k) => {
      const a = r.coefficients[k]!;
      shift += a * subs[j]!.base;
      for (const c of subs[j]!.columns) variables[c.name]![`r${i}`] = c.sign * a;
    });
    constraints[`r${i}`] = bound(r.lb - shift, r.ub - shift);
  });
  const jslp: JslpModel = {
    optimize: OBJ,
    opType: 'min',
    constraints,
    variables,
    ints,
    options: {
      presolve: false,
      ...(Number.isFinite(req.timeLimit) ? { timeout: Math.max(1, Math.round(req.timeLimit * 1000)) } : {}),
      ...(req.gap ? { tolerance: req.gap } : {}),
    },
  };
  return { jslp, subs };
}

export const jslpBackend: SolverBackend = {
  name: 'jslp',

  async available() {
    return true;
  },

  async solve(req: SolveRequest): Promise<SolveResult> {
    const name = 'jslp';
    let start = performance.now();
    try {
      const prep = prepareModel(req);
      if (prep.kind === 'answer') return answerResult(name, prep, secondsSince(start));
      const model = prep.model;
      start = performance.now();
      const { jslp, subs } = buildModel(model, req);
      const out = solver.Solve(jslp) as JslpResult;
      const seconds = secondsSince(start);
      const timedOut = Number.isFinite(req.timeLimit) && seconds >= 0.98 * req.timeLimit;
      const result: SolveResult = { solver: name, status: 'unknown', seconds };

      if (out.bounded === false) {
        result.status = 'error';
        result.note = 'the model is unbounded';
      } else if (out.feasible && (!model.hasIntegers || out.isIntegral)) {
        const raw = subs.map((sub) =>
          sub.columns.reduce((x, c) => {
            const y = out[c.name];
            return x + (typeof y === 'number' ? c.sign * y : 0);
          }, sub.base),
        );
        result.values = snapValues(req.model, raw);
        result.objective = objectiveOf(req.model, result.values);
        if (timedOut || req.gap) {
          result.status = 'feasible';
          result.note = timedOut ? 'time limit reached' : `relative gap ${req.gap} allowed`;
        } else {
          result.status = 'optimal';
          result.bound = result.objective;
          result.gap = 0;
        }
      } else if (timedOut) {
        result.status = 'unknown';
        result.note = 'time limit reached';
      } else {
        result.status = 'infeasible';
        if (req.cutoff !== undefined) result.note = `infeasible, or no solution at least as good as the cutoff ${req.cutoff}`;
      }
      return rejectBrokenSolution(req.model, result);
    } catch (e) {
      return errorResult(name, e, secondsSince(start));
    }
  },
};
