import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LinearModel, Row, SolveResult, Variable } from '../src/exact/linear-model.js';
import { solveInWorker } from '../src/exact/solvers/backend.js';
import { checkSolution, decodeJson, encodeJson, objectiveOf } from '../src/exact/solvers/common.js';
import { parseGlpkProgress } from '../src/exact/solvers/glpk.js';
import { backendNames, getBackend } from '../src/exact/solvers/registry.js';

// ---------------------------------------------------------------- helpers

const int = (name: string, lb: number, ub: number, cost: number): Variable => ({ name, lb, ub, integer: true, cost });
const real = (name: string, lb: number, ub: number, cost: number): Variable => ({ name, lb, ub, integer: false, cost });
const row = (name: string, terms: Array<[number, number]>, lb: number, ub: number): Row => ({ name, terms, lb, ub });

/** Optimum of a pure-integer bounded model by enumeration (undefined when infeasible). */
function bruteForce(model: LinearModel): number | undefined {
  const vs = model.variables;
  if (vs.some((v) => !v.integer || !Number.isFinite(v.lb) || !Number.isFinite(v.ub))) throw new Error('not enumerable');
  const x = vs.map((v) => Math.ceil(v.lb - 1e-9));
  let best: number | undefined;
  const visit = (j: number) => {
    if (j === vs.length) {
      if (checkSolution(model, x, 1e-9) === undefined) {
        const z = objectiveOf(model, x);
        if (best === undefined || z < best) best = z;
      }
      return;
    }
    for (let k = Math.ceil(vs[j]!.lb - 1e-9); k <= Math.floor(vs[j]!.ub + 1e-9); k++) {
      x[j] = k;
      visit(j + 1);
    }
  };
  visit(0);
  return best;
}

function lcg(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** Multi-constraint 0/1 knapsack with profits correlated to weights: GLPK needs > 3 s, HiGHS > 60 s. */
function hardKnapsack(seed = 7, n = 60, m = 5): LinearModel {
  const r = lcg(seed);
  const w = [...Array(m)].map(() => [...Array(n)].map(() => Math.round(20 + 80 * r())));
  const cost = [...Array(n)].map((_, i) => -(w.reduce((a, row) => a + row[i]!, 0) / m + Math.round(10 * r())));
  return {
    name: 'hard-knapsack',
    variables: cost.map((c, i) => int(`x${i}`, 0, 1, c)),
    rows: w.map((a, k) => row(`c${k}`, a.map((c, i) => [i, c]), -Infinity, Math.floor(a.reduce((s, c) => s + c, 0) / 2))),
  };
}

/** Market-split style equalities: solvers find no solution quickly (nor prove there is none). */
function marketSplit(seed = 3, m = 4, n = 30): LinearModel {
  const r = lcg(seed);
  const a = [...Array(m)].map(() => [...Array(n)].map(() => Math.floor(100 * r())));
  return {
    name: 'market-split',
    variables: [...Array(n)].map((_, i) => int(`x${i}`, 0, 1, Math.floor(10 * r()))),
    rows: a.map((coefs, k) => {
      const b = Math.floor(coefs.reduce((s, c) => s + c, 0) / 2);
      return row(`e${k}`, coefs.map((c, i) => [i, c]), b, b);
    }),
  };
}

const knapsack: LinearModel = {
  name: 'knapsack',
  variables: [10, 13, 7, 8, 9].map((v, i) => int(`x${i}`, 0, 1, -v)),
  rows: [row('capacity', [5, 6, 3, 4, 5].map((w, i) => [i, w]), -Infinity, 12)],
};

/** Objective tolerance for comparisons (HiGHS stops at an absolute gap of 1e-6). */
const close = (a: number | undefined, b: number) => {
  expect(a).toBeDefined();
  expect(Math.abs(a! - b)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b)));
};

function expectOptimal(result: SolveResult, model: LinearModel, objective: number) {
  expect(result.status, result.note).toBe('optimal');
  close(result.objective, objective);
  close(result.bound, objective);
  expect(result.values).toHaveLength(model.variables.length);
  expect(checkSolution(model, result.values!)).toBeUndefined();
  close(objectiveOf(model, result.values!), objective);
}

// ---------------------------------------------------------------- every backend

const available = new Map<string, boolean>();
beforeAll(async () => {
  for (const name of backendNames) available.set(name, await getBackend(name).available());
});

describe.each(backendNames)('%s backend', (name) => {
  const solve = (model: LinearModel, extra: { timeLimit?: number; gap?: number; cutoff?: number } = {}) =>
    getBackend(name).solve({ model, timeLimit: 10, ...extra });

  it('is available', () => {
    // HiGHS is an optional dependency, installed with the project: it should load.
    expect(available.get(name)).toBe(true);
  });

  it('solves a knapsack to its known optimum', async () => {
    expect(bruteForce(knapsack)).toBe(-25);
    const r = await solve(knapsack);
    expectOptimal(r, knapsack, -25);
    expect(r.values).toEqual([1, 0, 1, 1, 0]);
    expect(r.gap).toBe(0);
  });

  it('adds the objective offset to objective and bound', async () => {
    const r = await solve({ ...knapsack, offset: 100 });
    expectOptimal(r, { ...knapsack, offset: 100 }, 75);
  });

  it('reports infeasible models', async () => {
    // Infeasible LP relaxation, with integers.
    const mip: LinearModel = {
      name: 'infeasible-mip',
      variables: [int('x', 0, 1, 1), int('y', 0, 1, 1)],
      rows: [row('sum', [[0, 1], [1, 1]], 2.5, Infinity)],
    };
    expect((await solve(mip)).status).toBe('infeasible');
    // Continuous (GLPK's presolver proves it and says so only in its log).
    const lp: LinearModel = {
      name: 'infeasible-lp',
      variables: [real('x', 0, 1.5, 1), real('y', 0, 1.5, 1)],
      rows: [row('sum', [[0, 1], [1, 1]], 3.5, Infinity), row('same', [[0, 1], [1, -1]], 0, 0)],
    };
    expect((await solve(lp)).status).toBe('infeasible');
    // LP-feasible, integer-infeasible: 2x = 3.
    const parity: LinearModel = {
      name: 'parity',
      variables: [int('x', 0, 10, 1)],
      rows: [row('twice', [[0, 2]], 3, 3)],
    };
    expect((await solve(parity)).status).toBe('infeasible');
    // Rows or bounds that cannot hold are answered without the solver.
    const r = await solve({ name: 'bounds', variables: [int('x', 0.2, 0.8, 1)], rows: [] });
    expect(r.status).toBe('infeasible');
    expect(r.objective).toBeUndefined();
  });

  it('handles equality rows (assignment)', async () => {
    const c = [
      [4, 2, 8],
      [4, 3, 7],
      [3, 1, 6],
    ];
    const variables: Variable[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) variables.push(int(`a${i}${j}`, 0, 1, c[i]![j]!));
    const rows: Row[] = [];
    for (let i = 0; i < 3; i++) rows.push(row(`agent${i}`, [0, 1, 2].map((j) => [3 * i + j, 1]), 1, 1));
    for (let j = 0; j < 3; j++) rows.push(row(`task${j}`, [0, 1, 2].map((i) => [3 * i + j, 1]), 1, 1));
    const model = { name: 'assignment', variables, rows };
    expect(bruteForce(model)).toBe(12);
    expectOptimal(await solve(model), model, 12);
  });

  it('handles free and double-bounded rows', async () => {
    const model: LinearModel = {
      name: 'rows',
      variables: [int('x', 0, 10, -1), int('y', 0, 10, -2), int('z', 0, 10, 1)],
      rows: [
        row('sum', [[0, 1], [1, 1]], 2, 5), // double-bounded, binds above
        row('diff', [[0, 1], [1, -1]], -1, 1), // double-bounded, both sides
        row('z-range', [[2, 1], [0, 2]], 7, 9), // double-bounded, binds below
        row('free', [[0, 100], [1, -100], [2, 1]], -Infinity, Infinity), // constrains nothing
        row('dup', [[0, 1], [0, 1], [1, 0]], -Infinity, 6), // duplicate and zero terms: 2x <= 6
      ],
    };
    const best = bruteForce(model)!;
    expect(best).toBe(-6); // x=3, y=2, z=1
    expectOptimal(await solve(model), model, best);
  });

  it('handles general integers, negative and fractional bounds', async () => {
    const model: LinearModel = {
      name: 'integers',
      offset: -3.5,
      variables: [int('x', -5, 7, -3), int('y', -2.5, 20.9, -5), int('w', 0.5, 2.7, 1)],
      rows: [
        row('cap', [[0, 2], [1, 3]], -Infinity, 19.5),
        row('link', [[0, 1], [1, -1]], -4, Infinity),
        row('w', [[2, 1], [0, 1]], -Infinity, 8),
      ],
    };
    const best = bruteForce(model)!;
    const r = await solve(model);
    expectOptimal(r, model, best);
    expect(r.values!.every((v, j) => !model.variables[j]!.integer || Number.isInteger(v))).toBe(true);
  });

  it('handles continuous and free variables (fractional optimum)', async () => {
    // min z with z >= |x - 2.5|, x integer: z = 0.5; and an LP part.
    const model: LinearModel = {
      name: 'mixed',
      variables: [real('z', -Infinity, Infinity, 1), int('x', 0, 10, 0), real('u', -3, 3, -1), real('v', 0, Infinity, -1)],
      rows: [
        row('above', [[0, 1], [1, -1]], -2.5, Infinity),
        row('below', [[0, 1], [1, 1]], 2.5, Infinity),
        row('uv1', [[2, 1], [3, 2]], -Infinity, 4),
        row('uv2', [[2, 3], [3, 1]], -Infinity, 6),
      ],
    };
    // u, v: LP optimum -2.8 at (1.6, 1.2).
    expectOptimal(await solve(model), model, 0.5 - 2.8);
  });

  it('solves a pure LP', async () => {
    const model: LinearModel = {
      name: 'lp',
      variables: [real('x', 0, Infinity, -1), real('y', 0, Infinity, -1)],
      rows: [row('a', [[0, 1], [1, 2]], -Infinity, 4), row('b', [[0, 3], [1, 1]], -Infinity, 6)],
    };
    expectOptimal(await solve(model), model, -2.8);
  });

  it('applies a cutoff (solutions at least as good)', async () => {
    expectOptimal(await solve(knapsack, { cutoff: -25 }), knapsack, -25);
    expectOptimal(await solve(knapsack, { cutoff: -20 }), knapsack, -25);
    const r = await solve(knapsack, { cutoff: -25.5 });
    expect(r.status).toBe('infeasible');
    expect(r.objective).toBeUndefined();
  });

  it('reports an unbounded model as an error', async () => {
    const model: LinearModel = {
      name: 'unbounded',
      variables: [int('x', 0, Infinity, -1), real('y', 0, 1, 0)],
      rows: [row('r', [[0, 1], [1, -1]], 0, Infinity)],
    };
    const r = await solve(model);
    expect(r.status).toBe('error');
    expect(r.note).toMatch(/unbounded/);
    expect(r.objective).toBeUndefined();
  });

  it('answers a model without variables', async () => {
    const r = await solve({ name: 'empty', variables: [], rows: [], offset: 4 });
    expect(r.status).toBe('optimal');
    expect(r.objective).toBe(4);
  });

  it('reports malformed models as errors', async () => {
    const r = await solve({ name: 'bad', variables: [int('x', 0, 1, 1)], rows: [row('r', [[3, 1]], 0, 1)] });
    expect(r.status).toBe('error');
    expect(r.note).toMatch(/variable #3/);
  });
});

// ---------------------------------------------------------------- agreement

/** Small bounded MIPs: a few integers (enumerable), sometimes continuous variables, every row kind. */
const smallMip: fc.Arbitrary<LinearModel> = fc
  .record({
    ints: fc.array(fc.record({ lb: fc.integer({ min: -3, max: 1 }), width: fc.integer({ min: 0, max: 4 }), cost: fc.integer({ min: -5, max: 5 }) }), {
      minLength: 1,
      maxLength: 4,
    }),
    reals: fc.array(fc.record({ lb: fc.integer({ min: -2, max: 0 }), width: fc.integer({ min: 1, max: 5 }), cost: fc.integer({ min: -5, max: 5 }) }), {
      maxLength: 2,
    }),
    rows: fc.array(
      fc.record({
        coefs: fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 6, maxLength: 6 }),
        kind: fc.constantFrom('le', 'ge', 'eq', 'range', 'free'),
        rhs: fc.integer({ min: -6, max: 8 }),
        width: fc.integer({ min: 0, max: 5 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    offset: fc.integer({ min: -10, max: 10 }),
    half: fc.boolean(),
  })
  .map(({ ints, reals, rows, offset, half }) => {
    const variables: Variable[] = [
      ...ints.map((v, j) => int(`i${j}`, v.lb, v.lb + v.width, v.cost)),
      ...reals.map((v, j) => real(`r${j}`, v.lb, v.lb + v.width, v.cost + (half ? 0.5 : 0))),
    ];
    return {
      name: 'random',
      offset,
      variables,
      rows: rows.map((r, i) => {
        const terms = variables.flatMap((_, j) => (r.coefs[j] ? [[j, r.coefs[j]!] as [number, number]] : []));
        const b = r.rhs + (half ? 0.5 : 0);
        const [lb, ub] =
          r.kind === 'le' ? [-Infinity, b] : r.kind === 'ge' ? [b, Infinity] : r.kind === 'eq' ? [b, b] : r.kind === 'range' ? [b, b + r.width] : [-Infinity, Infinity];
        return row(`row${i}`, terms, lb, ub);
      }),
    };
  });

describe('backends agree', () => {
  it('on the optimum of random small bounded MIPs', async () => {
    const names = backendNames.filter((n) => available.get(n));
    expect(names.length).toBeGreaterThanOrEqual(2);
    let optimal = 0;
    await fc.assert(
      fc.asyncProperty(smallMip, async (model) => {
        const all = await Promise.all(names.map((n) => getBackend(n).solve({ model, timeLimit: 10 })));
        // GLPK's MIP preprocessor returns wrong "optimal" solutions for some
        // infeasible models (mostly caught before, see foldSingletons) and fails
        // an assertion on others; the backend reports both as 'error'. Allowed
        // only where the others prove infeasibility.
        const results = all.filter((r) => !(r.solver === 'glpk' && r.status === 'error' && /^(rejected|GLPK crashed)/.test(r.note!)));
        if (results.length < all.length) expect(results.map((r) => r.status)).toEqual(results.map(() => 'infeasible'));
        const pure = model.variables.every((v) => v.integer);
        const expected = pure ? bruteForce(model) : undefined;
        for (const r of results) {
          expect(['optimal', 'infeasible'], `${r.solver}: ${r.note}`).toContain(r.status);
          expect(r.status, r.solver).toBe(results[0]!.status);
          if (r.status === 'optimal') {
            close(r.objective, results[0]!.objective!);
            expect(checkSolution(model, r.values!), r.solver).toBeUndefined();
            if (pure) close(r.objective, expected!);
          } else if (pure) {
            expect(expected).toBeUndefined();
          }
        }
        if (results[0]!.status === 'optimal') optimal++;
      }),
      { numRuns: 20, seed: 20240611 },
    );
    // The generator must not make only infeasible models.
    expect(optimal).toBeGreaterThan(3);
  });
});

// ---------------------------------------------------------------- GLPK specifics

describe('glpk log parsing', () => {
  it('parses progress lines', () => {
    expect(parseGlpkProgress('+  59042: mip =  -2.016600000e+03 >=  -2.022281373e+03   0.3% (16241; 3138)')).toEqual({
      iterations: 59042,
      incumbent: -2016.6,
      bound: -2022.281373,
      gapPercent: 0.3,
      activeNodes: 16241,
      nodes: 3138,
      treeEmpty: false,
    });
    expect(parseGlpkProgress('+   157: >>>>>  -2.403000000e+03 >=  -2.414000000e+03   0.5% (30; 7)')).toMatchObject({
      incumbent: -2403,
      bound: -2414,
      nodes: 7,
    });
    const none = parseGlpkProgress('+    43: mip =     not found yet >=              -inf        (1; 0)');
    expect(none).toMatchObject({ incumbent: undefined, bound: undefined, activeNodes: 1, nodes: 0 });
    expect(parseGlpkProgress('+   218: mip =  -2.403000000e+03 >=     tree is empty   0.0% (0; 89)')).toMatchObject({
      bound: -2403,
      treeEmpty: true,
      nodes: 89,
    });
    expect(parseGlpkProgress('+ 1: mip =  1.000000000e+00 >=  9.990000000e-01 < 0.1% (2; 3)')).toMatchObject({ gapPercent: 0.1 });
    expect(parseGlpkProgress('*    43: obj =  -2.423942424e+03 inf =   0.000e+00 (0)')).toBeUndefined();
    expect(parseGlpkProgress('Solution found by heuristic: -2398')).toBeUndefined();
  });
});

describe('glpk preprocessor workarounds', () => {
  // Each of these is infeasible; GLPK 5.0 alone answers "optimal" with a solution breaking a row.
  const cases: Array<[string, LinearModel]> = [
    [
      'a singleton row on a two-valued integer',
      { name: 's', variables: [int('x', 0, 1, 1)], rows: [row('r', [[0, 3]], 1, 2)] },
    ],
    [
      'a row that becomes a singleton once a fixed column is removed',
      {
        name: 'f',
        variables: [int('a', -2, -2, 0), int('b', 0, 0, 0), int('c', -1, 0, 0)],
        rows: [row('r0', [[0, -1], [2, 3]], 0, 1), row('r1', [[0, -2], [1, 1]], -Infinity, 4)],
      },
    ],
    [
      'an all-integer row without a multiple of its gcd in range',
      {
        name: 'g',
        variables: [int('x', 0, 2, 0), int('y', -3, 0, 0)],
        rows: [row('r0', [[0, 4], [1, -2]], 6.5, 7.5), row('r1', [[0, 1], [1, -2]], 1.5, Infinity)],
      },
    ],
  ];
  it.each(cases)('answers infeasible for %s', async (_, model) => {
    expect(bruteForce(model)).toBeUndefined();
    const r = await getBackend('glpk').solve({ model, timeLimit: 5 });
    expect(r.status).toBe('infeasible');
  });

  it('survives a preprocessor assertion failure (abort) and loads a fresh GLPK', async () => {
    // Infeasible; GLPK 5.0 aborts: "Assertion failed: q->lb < q->ub ... npp/npp3.c".
    const model: LinearModel = {
      name: 'abort',
      variables: [
        int('x1', -Infinity, 4, -6),
        real('x2', -Infinity, 4.5, 8),
        int('x3', 0, 3, 7),
        int('x4', -5, -3, 0),
        int('x5', 3, 10, -2),
        int('x6', 2, 2, 7),
        int('x7', 2, 10, -9),
        int('x8', -2, 1, -9),
        int('x9', 0, 1, -7),
      ],
      rows: [
        row('r0', [[0, -2], [1, 4], [2, -5], [3, 2], [4, 7], [5, 1], [6, 7]], -Infinity, -4),
        row('r1', [[0, 5], [2, 5], [3, 6], [6, 7], [8, -5]], -Infinity, 14),
        row('r2', [[0, 1], [1, -6], [2, 5], [3, -7], [5, -5], [7, -7]], -Infinity, -11),
      ],
    };
    const glpk = getBackend('glpk');
    const r = await glpk.solve({ model, timeLimit: 5 });
    expect(['infeasible', 'error']).toContain(r.status);
    if (r.status === 'error') expect(r.note).toMatch(/^GLPK crashed: .*Assertion failed/);
    if (available.get('highs')) expect((await getBackend('highs').solve({ model, timeLimit: 5 })).status).toBe('infeasible');
    expectOptimal(await glpk.solve({ model: knapsack, timeLimit: 5 }), knapsack, -25);
  });

  it('rejects a wrong solution instead of reporting it', async () => {
    // Infeasible (3k in [6.5, 7.5]); GLPK substitutes r out and returns r = -0.5.
    const model: LinearModel = {
      name: 'wrong',
      variables: [int('a', 0, 3, 0), int('b', -3, 0, 0), int('c', -1, -1, 0), real('r', 0, 1, 0.5)],
      rows: [row('r0', [[0, 1], [1, 2], [2, 3]], -3.5, Infinity), row('r1', [[0, 3], [1, -3], [2, 2], [3, -1]], 4.5, 4.5)],
    };
    const r = await getBackend('glpk').solve({ model, timeLimit: 5 });
    expect(['infeasible', 'error']).toContain(r.status);
    if (r.status === 'error') expect(r.note).toMatch(/^rejected the solver's optimal solution/);
    expect(r.objective).toBeUndefined();
    expect(r.values).toBeUndefined();
  });
});

describe('glpk on hard models', () => {
  const glpk = getBackend('glpk');

  it('reports bound and gap from its log when stopped by a time limit', async () => {
    const model = hardKnapsack();
    const r = await glpk.solve({ model, timeLimit: 0.3 });
    expect(r.status).toBe('feasible');
    expect(r.note).toMatch(/time limit/);
    expect(r.bound).toBeDefined();
    expect(r.bound!).toBeLessThan(r.objective!);
    expect(r.gap!).toBeGreaterThan(0);
    expect(r.nodes).toBeGreaterThanOrEqual(0);
    expect(checkSolution(model, r.values!)).toBeUndefined();
  });

  it('stops at a relative gap and reports it', async () => {
    const model = { ...hardKnapsack(), offset: 10 };
    const r = await glpk.solve({ model, timeLimit: 20, gap: 0.02 });
    expect(['feasible', 'optimal']).toContain(r.status);
    expect(r.bound!).toBeLessThanOrEqual(r.objective!);
    expect(r.gap!).toBeGreaterThanOrEqual(0);
    expect(r.gap!).toBeLessThanOrEqual(0.02 + 1e-9);
    close((r.objective! - r.bound!) / Math.abs(r.objective!), r.gap!);
  });

  it('reports no objective when it found no solution in time', async () => {
    const r = await glpk.solve({ model: marketSplit(), timeLimit: 0.3 });
    expect(r.status).toBe('unknown');
    expect(r.objective).toBeUndefined();
    expect(r.values).toBeUndefined();
    expect(r.gap).toBeUndefined();
    // The bound still comes from the log.
    expect(r.bound).toBeDefined();
  });
});

describe('highs workarounds', () => {
  it('solves again without presolve when HiGHS ends in a solve error', async ({ skip }) => {
    skip(!available.get('highs'), 'highs is not installed (optional dependency)');
    // HiGHS 1.15 with presolve: "MIP solver claims optimality, but with ... infeasibilities".
    const model: LinearModel = {
      name: 'solve-error',
      variables: [int('a', -3, -2, 4), int('b', -1, 3, 4), int('c', -1, -1, 0), int('d', 1, 1, 0), real('u', 0, 1, 0), real('v', 0, 1, -2)],
      rows: [
        row('r0', [[0, -1], [1, -1], [2, 4], [3, -2], [4, 3], [5, -1]], -4, -4),
        row('r1', [[0, -4], [1, -3], [2, 2], [4, -3], [5, 3]], -5, -1),
      ],
    };
    const r = await getBackend('highs').solve({ model, timeLimit: 10 });
    expectOptimal(r, model, -1);
  });
});

describe('highs on hard models', () => {
  it('reports bound, gap and nodes when stopped by a time limit', async ({ skip }) => {
    skip(!available.get('highs'), 'highs is not installed (optional dependency)');
    const model = hardKnapsack();
    const r = await getBackend('highs').solve({ model, timeLimit: 0.3 });
    // A fast machine may finish within the limit: then the bound meets the objective.
    expect(['optimal', 'feasible', 'unknown']).toContain(r.status);
    expect(r.bound).toBeDefined();
    expect(r.nodes).toBeGreaterThanOrEqual(0);
    if (r.status === 'optimal') {
      expect(r.bound!).toBeCloseTo(r.objective!, 6);
    } else if (r.status === 'feasible') {
      expect(r.bound!).toBeLessThan(r.objective!);
      expect(r.gap!).toBeGreaterThan(0);
    } else {
      expect(r.objective).toBeUndefined();
    }
  });
});

// ---------------------------------------------------------------- worker

describe('solveInWorker', () => {
  it('keeps Infinity through the JSON codec', () => {
    const text = encodeJson({ a: [Infinity, -Infinity, 1], b: { c: NaN }, name: 'Infinity' });
    expect(decodeJson(text)).toEqual({ a: [Infinity, -Infinity, 1], b: { c: NaN }, name: 'Infinity' });
  });

  it.for(backendNames)('solves with %s in a worker like in-process', async (name, { skip }) => {
    skip(!available.get(name), `${name} is not installed (optional dependency)`);
    const model: LinearModel = { ...knapsack, rows: [...knapsack.rows, row('free', [[0, 1]], -Infinity, Infinity)] };
    const r = await solveInWorker(name, { model, timeLimit: 10 });
    expect(r.solver).toBe(name);
    expectOptimal(r, model, -25);
  });

  it('returns when the solver stops itself at a short time limit', async () => {
    const r = await solveInWorker('glpk', { model: hardKnapsack(), timeLimit: 0.5 });
    expect(['unknown', 'feasible']).toContain(r.status);
  });

  it.for(['glpk', 'highs'])('kills a %s solve that overruns and returns unknown', async (name, { skip }) => {
    skip(!available.get(name), `${name} is not installed (optional dependency)`);
    // The solver's own limit (60 s) is not reached: the kill at 0.5 s must happen.
    const r = await solveInWorker(name, { model: hardKnapsack(), timeLimit: 60 }, { killAfter: 0.5 });
    expect(r.status).toBe('unknown');
    expect(r.note).toMatch(/^killed after \d+(\.\d+)? s/);
    expect(r.objective).toBeUndefined();
    expect(r.values).toBeUndefined();
    expect(r.seconds).toBeGreaterThanOrEqual(0.5);
  });

  it('streams progress from the worker', async ({ skip }) => {
    skip(!available.get('highs'), 'highs is not installed (optional dependency)');
    const seen: number[] = [];
    const r = await solveInWorker('highs', { model: hardKnapsack(), timeLimit: 1 }, { onProgress: (p) => seen.push(p.seconds) });
    expect(['feasible', 'unknown']).toContain(r.status);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('reports a crashing worker as an error with its message', async () => {
    const r = await solveInWorker('no-such-solver', { model: knapsack, timeLimit: 1 });
    expect(r.status).toBe('error');
    expect(r.note).toMatch(/unknown solver backend 'no-such-solver'/);
  });
  it.for(backendNames)('answers every solve of a series with %s, also after one was killed (threads are reused only after a normal end)', async (name, { skip }) => {
    skip(!available.get(name), `${name} is not installed (optional dependency)`);
    const free: LinearModel = { ...knapsack, rows: [...knapsack.rows, row('free', [[0, 1]], -Infinity, Infinity)] };
    const [first, second] = await Promise.all([solveInWorker(name, { model: knapsack, timeLimit: 10 }), solveInWorker(name, { model: free, timeLimit: 10 })]);
    expectOptimal(first, knapsack, -25);
    expectOptimal(second, free, -25);
    if (name !== 'jslp') {
      const killed = await solveInWorker(name, { model: hardKnapsack(), timeLimit: 60 }, { killAfter: 0.3 });
      expect(killed.status).toBe('unknown');
    }
    for (const model of [free, knapsack, free]) expectOptimal(await solveInWorker(name, { model, timeLimit: 10 }), model, -25);
  });
});
