/**
 * The random clouds the dependency-graph equivalence tests plan (graph-speed, graph-check and
 * dependencies-round5): generated clouds with concurrency limits (one, a few, none per host, a
 * limit per wave), fractional demands (loads that are not whole numbers, so the order of the
 * state's additions shows), page sharing (a rule that counts a VM in flight more than a
 * settled one), optionally cold moves and CPU over-commit; and the graphs' loosened and
 * mutated forms.
 */
import fc from 'fast-check';
import type { InstanceDoc, LimitsDoc, PolicyDoc } from '../src/model/instance.js';
import type { FlatPlan } from '../src/schedule/dependencies.js';
import { generateCloud, mulberry32 } from '../bench/generate.js';

const LIMITS: LimitsDoc[] = [
  {},
  { maxOutgoingPerHost: 2, maxIncomingPerHost: 3, maxPerWave: 12 },
  { maxOutgoingPerHost: null, maxIncomingPerHost: null },
  { maxOutgoingPerHost: 1, maxIncomingPerHost: 2 },
];

/** The policy of a cloud drawn with `sharing`. */
export const SHARING: PolicyDoc = { rules: [{ name: 'capacity', options: { exclude: ['ram'] } }, 'sharing'] };

/** The fields of a cloud, for fc.record (tests add their own after them). */
export const cloudFields = (maxHosts: number) => ({
  hosts: fc.integer({ min: 3, max: maxHosts }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  fill: fc.double({ min: 0.75, max: 0.97, noNaN: true }),
  limits: fc.integer({ min: 0, max: LIMITS.length - 1 }),
  small: fc.boolean(),
  fractional: fc.boolean(),
  sharing: fc.boolean(),
});

export interface GraphCloud {
  hosts: number; seed: number; fill: number; limits: number; small: boolean; fractional: boolean; sharing: boolean;
  /** Every third VM may be moved cold. */
  cold?: boolean;
  /** CPU allocation ratio. */
  overcommit?: number;
}

export function graphCloud(p: GraphCloud): InstanceDoc {
  const doc = generateCloud({
    hosts: p.hosts, seed: p.seed, fill: p.fill, small: p.small, limits: LIMITS[p.limits],
    ...(p.overcommit !== undefined ? { allocationRatio: { cpu: p.overcommit } } : {}),
  });
  if (p.fractional) {
    // CPU demands that are not whole numbers (nor sums of binary fractions): loads carry rounding.
    doc.vms.forEach((v) => { if (v.demand['cpu'] !== undefined) v.demand['cpu'] = v.demand['cpu'] * 0.7 + 0.1; });
  }
  if (p.sharing) {
    doc.vms.forEach((v, i) => { v.attributes = { ...v.attributes, os: ['linux', 'win'][i % 2]!, osVersion: String(i % 3), application: ['web', 'db', 'cache'][(i * 7) % 3]! }; });
  }
  // The plan may then hold cold moves (transfers like live ones).
  if (p.cold) doc.vms.forEach((v, i) => { if (i % 3 === 0) v.sla = { ...v.sla, cold: true }; });
  return doc;
}

/** Edits of a graph, drawn as `mutations`. */
export const mutationsArbitrary = fc.array(fc.record({ kind: fc.constantFrom('drop', 'add', 'reverse'), a: fc.nat(), b: fc.nat() }), { maxLength: 4 });

type Mutation = typeof mutationsArbitrary extends fc.Arbitrary<(infer T)[]> ? T : never;

/** The graph with some room edges dropped: each migration keeps its own VM's order and, at random, its other edges. */
export function loosened(plan: FlatPlan, graph: number[][], keep: number, seed: number): number[][] {
  const random = mulberry32(seed);
  const last = new Map<number, number>();
  return graph.map((list, m) => {
    const own = last.get(plan.vm[m]!);
    last.set(plan.vm[m]!, m);
    return list.filter((p) => p === own || random() < keep).concat(own !== undefined && !list.includes(own) ? [own] : []);
  });
}

/** Edges dropped, added forward, or added backward (which may close a cycle or reverse an order). */
export function mutated(n: number, graph: number[][], mutations: readonly Mutation[]): number[][] {
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
