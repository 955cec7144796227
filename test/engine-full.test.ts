/**
 * Very full clouds (issue 15, item 2): the default engine on clouds filled to 95-98 % of
 * their RAM, the room-aware ranking it tries there (src/engines/heuristic/room-order.ts), and
 * parking that runs in parallel across hosts.
 */
import { describe, expect, it } from 'vitest';
import { generateCloud } from '../bench/generate.js';
import { kSwaps } from '../bench/kswap.js';
import { greedyWaves } from '../src/engines/heuristic/greedy.js';
import { Mover } from '../src/engines/heuristic/mover.js';
import { ROOM_VARIANTS, relativeSizes, unblockingDepartures } from '../src/engines/heuristic/room-order.js';
import { misplacedVms } from '../src/model/model.js';
import { movesCost, toWaveDocs } from '../src/plan/moves.js';
import type { InstanceDoc } from '../src/model/instance.js';
import { verifyPlan } from '../src/verify/replay.js';
import { cloud, load } from './helpers.js';

/** The default engine's plan (before any schedule re-cuts its waves), checked by the replay verifier. */
async function enginePlan(doc: InstanceDoc) {
  const loaded = await load(doc);
  const plan = await loaded.engine.solve(loaded.problem, { timeLimit: 60 });
  expect(['optimal', 'feasible']).toContain(plan.status);
  expect(verifyPlan(loaded.problem, plan.waves).valid).toBe(true);
  return { plan, loaded };
}

describe('a very full cloud', () => {
  it('at 95 % RAM gets a verified plan at its cost bound in at most twice the waves bound', async () => {
    const { plan } = await fullCloudPlan(0.95, 100, 1);
    expect(plan.cost).toBe(plan.lowerBound);
    expect(plan.stats.waves).toBeLessThanOrEqual(2 * (plan.stats.wavesLowerBound as number));
  });

  it('at 98 % RAM gets a plan with far fewer waves than the plain greedy, costing no more', async () => {
    const { plan, loaded } = await fullCloudPlan(0.98, 150, 3);
    const plain = greedyWaves(loaded.problem, { deadline: Infinity, order: 'chains' });
    expect(plain.complete).toBe(true);
    expect(plan.cost!).toBeLessThanOrEqual(movesCost(loaded.problem.cost, plain.waves));
    expect(plan.stats.waves).toBeLessThan(plain.waves.length / 2);
  });

  it('at 98 % RAM gets its plan re-timed to within three times the waves bound', async () => {
    const { plan } = await fullCloudPlan(0.98, 150, 1);
    expect(plan.stats.waves).toBeLessThanOrEqual(3 * (plan.stats.wavesLowerBound as number));
  });

  it('every room-aware variant of the greedy brings every VM home with a plan the verifier accepts', async () => {
    const loaded = await load(generateCloud({ hosts: 60, seed: 1, fill: 0.98, fillJitter: 0.01 }));
    for (const variant of ROOM_VARIANTS) {
      const g = greedyWaves(loaded.problem, { deadline: Infinity, ...variant });
      expect(g.complete).toBe(true);
      const moved = new Set(g.waves.flat().map((m) => m.vm));
      for (const v of misplacedVms(loaded.model)) expect(moved.has(v)).toBe(true);
      expect(verifyPlan(loaded.problem, toWaveDocs(loaded.model, g.waves)).valid).toBe(true);
    }
  });
});

describe('the room-aware ranking', () => {
  it('marks the departures that alone let a VM waiting for room on their host in', async () => {
    // a is full but for 2: u (4) waits to enter it. big leaving makes room for u; small does not.
    const { problem, model } = await load(cloud({
      hosts: { a: { ram: 10 }, b: { ram: 10 }, c: { ram: 10 } },
      vms: { big: { ram: 6 }, small: { ram: 1 }, pad: { ram: 1 }, u: { ram: 4 } },
      at: { big: 'a', small: 'a', pad: 'a', u: 'b' },
      to: { big: 'c', small: 'c', u: 'a' },
    }));
    const id = (name: string) => model.vms.findIndex((v) => v.name === name);
    const mover = new Mover(problem);
    const found = unblockingDepartures(problem, mover, misplacedVms(model));
    expect([...found].map((v) => model.vms[v]!.name)).toEqual(['big']);
    // Only a question: the state is as it was.
    expect(mover.state.hostOf(id('big'))).toBe(model.hosts.findIndex((h) => h.name === 'a'));
    expect(mover.admits(id('u'), model.hosts.findIndex((h) => h.name === 'a'))).toBe(false);
  });

  it('measures size on the resource the cloud is fullest in', async () => {
    // CPU is 45 % used, RAM 30 %: the VM with the most CPU counts as the largest.
    const { problem, model } = await load(cloud({
      hosts: { a: { ram: 100, cpu: 10 }, b: { ram: 100, cpu: 10 } },
      vms: { p: { ram: 50, cpu: 1 }, q: { ram: 10, cpu: 8 } },
      at: { p: 'a', q: 'b' },
    }));
    const size = relativeSizes(problem);
    const of = (name: string) => size[model.vms.findIndex((v) => v.name === name)];
    expect(of('q')).toBe(1);
    expect(of('p')).toBeCloseTo(1 / 8, 12);
  });
});

describe('parking in a round runs in parallel across hosts', () => {
  it.each([4, 16, 48])('%i independent swaps that each need a parking take the same 3 waves, all parkings in the first', async (k) => {
    const { plan } = await enginePlan(kSwaps(k));
    expect(plan.waves).toHaveLength(3);
    const parked = plan.waves.map((w) => w.migrations.filter((m) => m.to.startsWith('spare')).length);
    expect(parked).toEqual([k, 0, 0]);
  });
});

/** The default engine's plan for a generated cloud filled to `fill` of its RAM. */
function fullCloudPlan(fill: number, hosts: number, seed: number) {
  return enginePlan(generateCloud({ hosts, seed, fill, fillJitter: 0.01 }));
}
