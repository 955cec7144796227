/**
 * The schedule's reachability, transitive reduction and graph verification answer exactly
 * as the implementation they replaced (kept in test/reference/ as the oracle): on random
 * DAGs, and on the dependency graphs of random plans, intact or with edges dropped, added
 * or turned into cycles; the dependency lists themselves are those the previous builder found.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LimitsDoc } from '../src/model/instance.js';
import { planMigrations } from '../src/api.js';
import { dagOf, reaches, transitiveReduction } from '../src/schedule/graph.js';
import { buildDependencies, dependencyLists } from '../src/schedule/dependencies.js';
import { flattenWaves, verifyDependencyGraph } from '../src/schedule/verify.js';
import * as reference from './reference/graph.js';
import { verifyDependencyGraph as referenceVerify } from './reference/verify.js';
import * as referenceDependencies from './reference/dependencies.js';
import { generateCloud, mulberry32 } from '../bench/generate.js';

/** A random DAG: each node's predecessors drawn among the nodes before it in a random numbering. */
const dagArbitrary = fc.record({
  n: fc.integer({ min: 1, max: 120 }),
  density: fc.double({ min: 0, max: 0.2, noNaN: true }),
  local: fc.boolean(),
  seed: fc.integer(),
  queries: fc.integer({ min: 1, max: 300 }),
});

function randomDag(p: { n: number; density: number; local: boolean; seed: number }): number[][] {
  const random = mulberry32(p.seed);
  const label = Array.from({ length: p.n }, (_, i) => i).sort(() => random() - 0.5);
  const lists: number[][] = Array.from({ length: p.n }, () => []);
  for (let i = 1; i < p.n; i++) {
    // local: edges mostly between nearby nodes, as in dependency graphs; else uniform
    const lo = p.local ? Math.max(0, i - 8) : 0;
    for (let j = lo; j < i; j++) if (random() < (p.local ? 4 * p.density : p.density)) lists[label[i]!]!.push(label[j]!);
  }
  return lists;
}

describe('reachability on random DAGs', () => {
  it('answers every query as the batched bitset propagation does, with or without hand-over', () => {
    fc.assert(fc.property(dagArbitrary, (p) => {
      const lists = randomDag(p);
      const dag = dagOf(lists)!;
      const random = mulberry32(p.seed ^ 0x5bd1e995);
      const sources = Array.from({ length: p.queries }, () => Math.floor(random() * p.n));
      const targets = Array.from({ length: p.queries }, () => Math.floor(random() * p.n));
      const expected = Array.from(reference.reaches(reference.dagOf(lists)!, sources, targets));
      expect(Array.from(reaches(dag, sources, targets))).toEqual(expected);
      // a tiny budget hands most searches over to the batched propagation
      expect(Array.from(reaches(dagOf(lists)!, sources, targets, 2))).toEqual(expected);
    }), { numRuns: 300 });
  });

  it('reduces transitively as before', () => {
    fc.assert(fc.property(dagArbitrary, (p) => {
      const lists = randomDag(p).map((l) => [...l, ...l.slice(0, 1)]); // duplicates allowed
      expect(transitiveReduction(lists)).toEqual(reference.transitiveReduction(lists));
    }), { numRuns: 300 });
  });

  it('says no for a node and itself, and for an edge against the order', () => {
    const dag = dagOf([[], [0], [1]])!;
    expect(Array.from(reaches(dag, [0, 0, 1, 2, 2], [2, 0, 1, 0, 1]))).toEqual([1, 0, 0, 0, 0]);
  });
});

const LIMITS: LimitsDoc[] = [
  {},
  { maxOutgoingPerHost: 2, maxIncomingPerHost: 3, maxPerWave: 12 },
  { maxOutgoingPerHost: null, maxIncomingPerHost: null },
];

const planArbitrary = fc.record({
  hosts: fc.integer({ min: 3, max: 24 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  fill: fc.double({ min: 0.7, max: 0.97, noNaN: true }),
  limits: fc.integer({ min: 0, max: LIMITS.length - 1 }),
  small: fc.boolean(),
  mutations: fc.array(fc.record({ kind: fc.constantFrom('drop', 'add', 'reverse'), a: fc.nat(), b: fc.nat() }), { maxLength: 4 }),
});

describe('the dependency graphs of random plans', () => {
  it('get the same reduced lists and the same verdicts as before, intact or mutated', async () => {
    await fc.assert(fc.asyncProperty(planArbitrary, async (p) => {
      const doc = generateCloud({ hosts: p.hosts, seed: p.seed, fill: p.fill, small: p.small, limits: LIMITS[p.limits] });
      const { plan, loaded } = await planMigrations(doc, { source: 'random' });
      if (plan.status !== 'optimal' && plan.status !== 'feasible') return;
      const { problem, model } = loaded;
      const flat = flattenWaves(problem, plan.waves).plan!;
      const someHosts = (h: number) => h % 2 === 0;
      for (const options of [{}, { refine: problem }, { refine: problem, strict: () => true }, { refine: problem, unrefined: someHosts, strict: someHosts }]) {
        const lists = dependencyLists(model, flat, options);
        expect(lists).toEqual(referenceDependencies.dependencyLists(model, flat, options));
        expect(transitiveReduction(lists)).toEqual(reference.transitiveReduction(lists));
        expect(buildDependencies(model, flat, options)).toEqual(referenceDependencies.buildDependencies(model, flat, options));
      }
      const graph = plan.waves.flatMap((w) => w.migrations.map((m) => [...m.after!]));
      const mutated = graph.map((l) => [...l]);
      for (const { kind, a, b } of p.mutations) {
        if (flat.n === 0) break;
        const m = a % flat.n;
        const other = b % flat.n;
        if (kind === 'drop') mutated[m]!.splice(b % Math.max(1, mutated[m]!.length), 1);
        else if (kind === 'add' && other !== m) mutated[Math.max(m, other)]!.push(Math.min(m, other));
        else if (kind === 'reverse' && other !== m) mutated[Math.min(m, other)]!.push(Math.max(m, other));
      }
      for (const g of [graph, mutated]) {
        const mine = verifyDependencyGraph(problem, flat, g);
        const theirs = referenceVerify(problem, flat, g);
        expect(mine.valid).toBe(theirs.valid);
        expect(mine.violations).toEqual(theirs.violations);
        expect([...mine.ruleHosts].sort()).toEqual([...theirs.ruleHosts].sort());
      }
    }), { numRuns: 40 });
  });

});
