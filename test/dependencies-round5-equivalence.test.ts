/**
 * buildDependencies and the transitive reduction give exactly the lists (same migrations,
 * same order) of the implementation they replaced (test/reference/round5/, frozen), on random
 * plans: generated clouds with concurrency limits, fractional demands, page sharing, cold
 * moves and CPU over-commit, rack clouds, and plans broken by merging waves (the rules fail,
 * so the refinement gives up on hosts), with strict and unrefined hosts and migration groups.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc, PolicyDoc } from '../src/model/instance.js';
import type { Problem } from '../src/plugin-api.js';
import { planMigrations } from '../src/api.js';
import { buildDependencies, dependencyLists, type DependencyOptions, type FlatPlan } from '../src/schedule/dependencies.js';
import { transitiveReduction } from '../src/schedule/graph.js';
import { flattenWaves } from '../src/schedule/verify.js';
import * as reference from './reference/round5/dependencies.js';
import { transitiveReduction as referenceReduction } from './reference/round5/graph.js';
import { mulberry32 } from '../bench/generate.js';
import { SHARING, cloudFields, graphCloud } from './graph-clouds.js';
import { rackCloud, rackCloudArbitrary } from './rack-clouds.js';

const cloudArbitrary = fc.record({
  ...cloudFields(20),
  cold: fc.boolean(),
  overcommit: fc.constantFrom(1, 1.5, 4),
});

/** The plan with waves merged two by two: a plan the rules may reject, so refinement fails on some hosts. */
function merged(plan: FlatPlan): FlatPlan {
  const wave = plan.wave.map((w) => w >> 1);
  const waves = (plan.waveStart.length >> 1) + 1;
  const waveStart = new Int32Array(waves);
  for (let k = 0; k < waves; k++) waveStart[k] = plan.waveStart[Math.min(2 * k, plan.waveStart.length - 1)]!;
  return { ...plan, wave, waveStart };
}

/** Migration groups of random VMs with limits of 1-3. */
function randomGroups(vms: number, seed: number): { vms: number[]; limit: number }[] {
  const random = mulberry32(seed);
  return Array.from({ length: 3 }, () => ({
    vms: Array.from({ length: vms }, (_, v) => v).filter(() => random() < 0.3),
    limit: 1 + Math.floor(random() * 3),
  }));
}

/** Compares both implementations on every variant of the options, on the plan and on its merged-wave form. */
function compareOn(problem: Problem, flat: FlatPlan, seed: number): number {
  const { model } = problem;
  const someHosts = (h: number) => h % 2 === 0;
  const variants: DependencyOptions[] = [
    {}, { refine: problem }, { refine: problem, strict: () => true },
    { refine: problem, unrefined: someHosts, strict: someHosts }, { refine: problem, groups: randomGroups(model.vms.length, seed) },
  ];
  let edges = 0;
  for (const plan of [flat, merged(flat)]) {
    for (const options of variants) {
      expect(dependencyLists(model, plan, options)).toEqual(reference.dependencyLists(model, plan, options));
      const deps = buildDependencies(model, plan, options);
      expect(deps).toEqual(reference.buildDependencies(model, plan, options));
      edges += deps.reduce((s, l) => s + l.length, 0);
    }
  }
  return edges;
}

async function flatPlanOf(doc: InstanceDoc, policy?: PolicyDoc, allow?: ('cold')[]): Promise<{ problem: Problem; flat: FlatPlan } | undefined> {
  let result;
  try {
    result = await planMigrations(doc, { source: 'random', ...(policy ? { policy } : {}), ...(allow ? { allow } : {}) });
  } catch {
    return undefined; // a random instance may be infeasible as drawn
  }
  const { plan, loaded } = result;
  if (plan.status !== 'optimal' && plan.status !== 'feasible') return undefined;
  const flat = flattenWaves(loaded.problem, plan.waves).plan;
  return flat && flat.n > 0 ? { problem: loaded.problem, flat } : undefined;
}

describe('buildDependencies against the round-5 implementation', () => {
  it('gives the same lists on random generated clouds (limits, fractions, sharing, cold moves, over-commit), intact and with merged waves', async () => {
    let compared = 0;
    await fc.assert(fc.asyncProperty(cloudArbitrary, async (p) => {
      const planned = await flatPlanOf(graphCloud(p), p.sharing ? SHARING : undefined, p.cold ? ['cold'] : undefined);
      if (!planned) return;
      if (compareOn(planned.problem, planned.flat, p.seed) > 0) compared++;
    }), { numRuns: 50, seed: 1515 });
    expect(compared).toBeGreaterThan(25);
  });

  it('gives the same lists on random rack clouds', async () => {
    let compared = 0;
    await fc.assert(fc.asyncProperty(rackCloudArbitrary, async (p) => {
      const planned = await flatPlanOf(rackCloud(p));
      if (!planned) return;
      compareOn(planned.problem, planned.flat, p.seed);
      compared++;
    }), { numRuns: 40, seed: 1516 });
    expect(compared).toBeGreaterThan(20);
  });
});

describe('transitiveReduction against the round-5 implementation', () => {
  it('gives the same lists on random DAGs: chains, dense layers, duplicates and edges already implied', () => {
    const dagArbitrary = fc.record({ n: fc.integer({ min: 1, max: 300 }), seed: fc.integer({ min: 1, max: 1_000_000 }), degree: fc.integer({ min: 0, max: 6 }), span: fc.integer({ min: 1, max: 300 }) });
    fc.assert(fc.property(dagArbitrary, ({ n, seed, degree, span }) => {
      const random = mulberry32(seed);
      // Edges only to earlier nodes, sometimes with a later number first in the list (no forward numbering assumed by the lists' order).
      const lists = Array.from({ length: n }, (_, m) => Array.from({ length: m ? Math.floor(random() * (degree + 1)) : 0 }, () => Math.max(0, m - 1 - Math.floor(random() * span))));
      const expected = referenceReduction(lists);
      expect(transitiveReduction(lists)).toEqual(expected);
      // Searches stopped at once or after one node: the batched propagation settles them.
      expect(transitiveReduction(lists, 0)).toEqual(expected);
      expect(transitiveReduction(lists, 1)).toEqual(expected);
    }), { numRuns: 200, seed: 1517 });
  });
});
