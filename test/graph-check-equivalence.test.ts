/**
 * The dependency graph check (verifyDependencyGraph) gives exactly what it gave before issue
 * 15's fifth round (kept in test/reference/round5/graph-verify.ts as the oracle): the same
 * verdict, the same violations (messages, loads, order) and the same rule hosts in the same
 * order, on the graphs of random plans, intact, loosened until rules break, or mutated.
 * Instances vary the concurrency limits (one, a few, none per host, a limit per wave),
 * fractional demands (loads that are not whole numbers, so the order of the state's
 * additions shows) and page sharing (a rule that counts a VM in flight more than a settled one).
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LimitsDoc, PolicyDoc } from '../src/model/instance.js';
import { planMigrations } from '../src/api.js';
import { buildDependencies, type FlatPlan } from '../src/schedule/dependencies.js';
import { flattenWaves, verifyDependencyGraph } from '../src/schedule/verify.js';
import { verifyDependencyGraph as referenceVerify } from './reference/round5/graph-verify.js';
import { generateCloud, mulberry32 } from '../bench/generate.js';

const LIMITS: LimitsDoc[] = [
  {},
  { maxOutgoingPerHost: 2, maxIncomingPerHost: 3, maxPerWave: 12 },
  { maxOutgoingPerHost: null, maxIncomingPerHost: null },
  { maxOutgoingPerHost: 1, maxIncomingPerHost: 2 },
];

const SHARING: PolicyDoc = { rules: [{ name: 'capacity', options: { exclude: ['ram'] } }, 'sharing'] };

const planArbitrary = fc.record({
  hosts: fc.integer({ min: 3, max: 24 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  fill: fc.double({ min: 0.75, max: 0.97, noNaN: true }),
  limits: fc.integer({ min: 0, max: LIMITS.length - 1 }),
  small: fc.boolean(),
  fractional: fc.boolean(),
  sharing: fc.boolean(),
  loosen: fc.double({ min: 0, max: 1, noNaN: true }),
  mutations: fc.array(fc.record({ kind: fc.constantFrom('drop', 'add', 'reverse'), a: fc.nat(), b: fc.nat() }), { maxLength: 4 }),
});

type Params = typeof planArbitrary extends fc.Arbitrary<infer T> ? T : never;

function instance(p: Params) {
  const doc = generateCloud({ hosts: p.hosts, seed: p.seed, fill: p.fill, small: p.small, limits: LIMITS[p.limits] });
  if (p.fractional) {
    // CPU demands that are not whole numbers (nor sums of binary fractions): loads carry rounding.
    doc.vms.forEach((v) => { if (v.demand['cpu'] !== undefined) v.demand['cpu'] = v.demand['cpu'] * 0.7 + 0.1; });
  }
  if (p.sharing) {
    doc.vms.forEach((v, i) => { v.attributes = { ...v.attributes, os: ['linux', 'win'][i % 2]!, osVersion: String(i % 3), application: ['web', 'db', 'cache'][(i * 7) % 3]! }; });
  }
  return doc;
}

/** The graph with some edges dropped: each migration keeps its own VM's order and, at random, its other edges. */
function loosened(plan: FlatPlan, graph: number[][], keep: number, seed: number): number[][] {
  const random = mulberry32(seed);
  const last = new Map<number, number>();
  return graph.map((list, m) => {
    const own = last.get(plan.vm[m]!);
    last.set(plan.vm[m]!, m);
    return list.filter((p) => p === own || random() < keep).concat(own !== undefined && !list.includes(own) ? [own] : []);
  });
}

/** Edges dropped, added forward, or added backward (which may close a cycle or reverse an order). */
function mutated(n: number, graph: number[][], mutations: Params['mutations']): number[][] {
  const out = graph.map((l) => [...l]);
  for (const { kind, a, b } of mutations) {
    if (n === 0) break;
    const m = a % n;
    const other = b % n;
    if (kind === 'drop') out[m]!.splice(b % Math.max(1, out[m]!.length), 1);
    else if (kind === 'add' && other !== m) out[Math.max(m, other)]!.push(Math.min(m, other));
    else if (kind === 'reverse' && other !== m) out[Math.min(m, other)]!.push(Math.max(m, other));
  }
  return out;
}

describe('the dependency graph check against the one before the fifth round', () => {
  it('gives the same verdict, violations and rule hosts on random plans, intact, loosened or mutated', async () => {
    let compared = 0;
    let ruleFailures = 0;
    let slotFailures = 0;
    let fractionalFailures = 0;
    await fc.assert(fc.asyncProperty(planArbitrary, async (p) => {
      let result;
      try {
        result = await planMigrations(instance(p), { source: 'random', ...(p.sharing ? { policy: SHARING } : {}) });
      } catch {
        return; // a random instance may be infeasible as drawn
      }
      const { plan, loaded } = result;
      if (plan.status !== 'optimal' && plan.status !== 'feasible') return;
      const { problem, model } = loaded;
      const flat = flattenWaves(problem, plan.waves).plan!;
      const built = buildDependencies(model, flat, { refine: problem });
      const after = plan.waves.flatMap((w) => w.migrations.map((m) => [...m.after!]));
      const graphs = [after, built, buildDependencies(model, flat, {}), loosened(flat, built, p.loosen, p.seed), loosened(flat, built, p.loosen / 4, p.seed + 1), mutated(flat.n, after, p.mutations)];
      for (const g of graphs) {
        const mine = verifyDependencyGraph(problem, flat, g);
        const theirs = referenceVerify(problem, flat, g);
        expect(mine.valid).toBe(theirs.valid);
        expect(mine.violations).toStrictEqual(theirs.violations);
        expect([...mine.ruleHosts]).toEqual([...theirs.ruleHosts]);
        if (theirs.ruleHosts.size > 0) ruleFailures++;
        if (theirs.ruleHosts.size > 0 && p.fractional) fractionalFailures++;
        if (theirs.violations.some((v) => v.rule === 'concurrency')) slotFailures++;
      }
      compared++;
    }), { numRuns: 70, seed: 1515 });
    expect(compared).toBeGreaterThan(35);
    // The check failed often enough, on rules (also with fractional loads) and on concurrency, to compare violations.
    expect(ruleFailures).toBeGreaterThan(15);
    expect(fractionalFailures).toBeGreaterThan(3);
    expect(slotFailures).toBeGreaterThan(3);
  });
});
