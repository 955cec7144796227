/**
 * Properties of the default engine's parts: decomposition is exact, compaction never
 * adds waves and keeps plans valid, bounds never exceed what a plan costs, and every
 * search stops at its deadline with the best plan it has.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc } from '../src/model/instance.js';
import type { Problem } from '../src/plugin-api.js';
import type { Move } from '../src/plan/moves.js';
import { toWaveDocs, movesCost } from '../src/plan/moves.js';
import { loadInstance } from '../src/api.js';
import { PlacementState } from '../src/model/state.js';
import { searchSequence } from '../src/engines/heuristic/search.js';
import { greedyWaves } from '../src/engines/heuristic/greedy.js';
import { solveHeuristic } from '../src/engines/heuristic/engine.js';
import { independentParts } from '../src/plan/decompose.js';
import { compactWaves } from '../src/plan/compact.js';
import { provenBounds } from '../src/plan/bounds.js';
import { verifyPlan } from '../src/verify/replay.js';
import { kSwaps } from '../bench/kswap.js';
import { exactCloud } from '../bench/exact-cloud.js';

interface Shape {
  hosts: { ram: number; zone: number }[];
  vms: { ram: number; cpu: number; group: number }[];
  /** Per VM, a host index (mod hosts) tried first for its target. */
  goals: number[];
  walk: { vm: number; host: number }[];
  /** Zones (and the zone rule) unless 0: VMs then stay in their zone, so instances split more often. */
  zones: number;
  groups: boolean;
  reachable: boolean;
}

const shapeOf = (maxHosts: number, maxVms: number) => fc.record({
  hosts: fc.array(fc.record({ ram: fc.integer({ min: 4, max: 10 }), zone: fc.integer({ min: 0, max: 2 }) }), { minLength: 2, maxLength: maxHosts }),
  vms: fc.array(fc.record({ ram: fc.integer({ min: 1, max: 6 }), cpu: fc.integer({ min: 0, max: 4 }), group: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: maxVms }),
  goals: fc.array(fc.nat(), { minLength: 7, maxLength: 7 }),
  walk: fc.array(fc.record({ vm: fc.nat(), host: fc.nat() }), { minLength: 4, maxLength: 14 }),
  zones: fc.integer({ min: 0, max: 3 }),
  groups: fc.boolean(),
  reachable: fc.boolean(),
});
const shape = shapeOf(7, 7);
/** Halves of the instances put side by side. */
const half = shapeOf(4, 5);

/**
 * A small valid instance: VMs placed first-fit; the target either reached by random valid
 * migrations (a plan exists) or chosen VM by VM wherever it fits (a plan may not exist).
 */
async function instance(s: Shape): Promise<InstanceDoc | undefined> {
  const hosts = s.hosts.map((h, i) => ({ name: `h${i}`, capacity: { ram: h.ram, cpu: 8 }, ...(s.zones ? { zone: `z${h.zone}` } : {}) }));
  const used = s.hosts.map(() => [0, 0]);
  const vms: InstanceDoc['vms'] = [];
  const placement: Record<string, string> = {};
  const clash = (j: number, group: number, where: Record<string, string>) => s.groups && vms.some((w) => where[w.name] === `h${j}` && w.group === `g${group}`);
  s.vms.forEach((v, i) => {
    const h = hosts.findIndex((_, j) => used[j]![0]! + v.ram <= s.hosts[j]!.ram && used[j]![1]! + v.cpu <= 8 && !clash(j, v.group, placement));
    if (h < 0) return;
    used[h]![0]! += v.ram;
    used[h]![1]! += v.cpu;
    vms.push({ name: `v${i}`, demand: { ram: v.ram, cpu: v.cpu }, group: `g${v.group}` });
    placement[`v${i}`] = `h${h}`;
  });
  if (vms.length === 0) return undefined;
  const policy = { rules: [...(s.groups ? ['anti-affinity'] : []), ...(s.zones ? ['zone'] : [])] };
  const start: InstanceDoc = { hosts, vms, placement, policy };
  const { problem } = await loadInstance(start);
  const state = new PlacementState(problem.model, problem.usable);
  const admits = (v: number, h: number) => state.hostOf(v) !== h && problem.rules.every((r) => r.admits(state, v, h));
  if (s.reachable) {
    for (const step of s.walk) {
      const v = step.vm % vms.length;
      const h = step.host % hosts.length;
      if (!admits(v, h)) continue;
      state.beginMove(v, h);
      state.finishWave();
    }
  } else {
    // Teleport each VM to a host where it fits in the final state (no path needed).
    vms.forEach((_, v) => {
      for (let k = 0; k < hosts.length; k++) {
        const h = (s.goals[v % s.goals.length]! + k) % hosts.length;
        if (h === state.hostOf(v)) continue;
        state.withdraw(v);
        const fits = problem.rules.every((r) => r.admits(state, v, h));
        state.restore(v);
        if (fits) { state.relocate(v, h); break; }
      }
    });
  }
  return { ...start, target: Object.fromEntries(vms.map((v, i) => [v.name, `h${state.hostOf(i)}`])) };
}

/** Two instances side by side; fenced: each in a zone of its own (with the zone rule), so that neither can use the other's hosts. */
function side(a: InstanceDoc | undefined, b: InstanceDoc | undefined, fenced: boolean): InstanceDoc | undefined {
  if (!a || !b) return undefined;
  const tag = (doc: InstanceDoc, p: string): InstanceDoc => ({
    hosts: doc.hosts.map((h) => ({ ...h, name: p + h.name, ...(fenced ? { zone: p } : {}) })),
    // A side without anti-affinity gets a group per VM: the other side's rule then changes nothing here.
    vms: doc.vms.map((v) => ({ ...v, name: p + v.name, group: p + (doc.policy?.rules?.includes('anti-affinity') ? v.group : v.name) })),
    placement: Object.fromEntries(Object.entries(doc.placement).map(([v, h]) => [p + v, p + h])),
    target: Object.fromEntries(Object.entries(doc.target ?? {}).map(([v, h]) => [p + v, p + h])),
  });
  const [x, y] = [tag(a, 'a-'), tag(b, 'b-')];
  const rules = [...new Set([...(a.policy?.rules ?? []), ...(b.policy?.rules ?? []), ...(fenced ? ['zone'] : [])])] as string[];
  // Without the fence, the zone rule of one side would not hold across sides: drop zones then.
  const unzoned = (h: InstanceDoc['hosts'][number]) => (fenced ? h : { ...h, zone: undefined });
  return {
    hosts: [...x.hosts, ...y.hosts].map(unzoned), vms: [...x.vms, ...y.vms],
    placement: { ...x.placement, ...y.placement }, target: { ...x.target, ...y.target },
    policy: { rules: fenced ? rules : rules.filter((r) => r !== 'zone') },
  };
}

const loaded = async (doc: InstanceDoc) => (await loadInstance(doc)).problem;
const everything = { maxStates: 300_000, deadline: Infinity };

describe('decomposition into independent parts', () => {
  it('gives the same feasibility and the same least cost as searching the whole instance', async () => {
    let split = 0;
    await fc.assert(fc.asyncProperty(half, half, fc.boolean(), async (a, b, fenced) => {
      const doc = side(await instance(a), await instance(b), fenced);
      if (!doc) return;
      const problem = await loaded(doc);
      const whole = searchSequence(problem, everything);
      if (whole.outcome === 'budget') return;
      const parts = independentParts(problem);
      if (parts.length > 1) split++;
      const each = parts.map((p) => searchSequence(problem, { ...everything, vms: p.movable, hosts: p.hosts }));
      expect(each.every((r) => r.outcome === 'found')).toBe(whole.outcome === 'found');
      if (whole.outcome === 'found') expect(each.reduce((sum, r) => sum + r.cost!, 0)).toBe(whole.cost);
      // Parts never share a host, and every misplaced VM is in exactly one.
      const hosts = parts.flatMap((p) => p.hosts);
      expect(new Set(hosts).size).toBe(hosts.length);
      const misplaced = parts.flatMap((p) => p.misplaced).sort((x, y) => x - y);
      expect(misplaced).toEqual([...problem.model.vms.keys()].filter((v) => problem.model.placement[v] !== problem.model.target[v]));
    }), { numRuns: 300, seed: 8 });
    expect(split).toBeGreaterThan(20); // the property was exercised on instances that do split
  });

  it('lets the engine find exactly the instances that have a plan, at the least cost when it says optimal', async () => {
    await fc.assert(fc.asyncProperty(shape, async (s) => {
      const doc = await instance(s);
      if (!doc) return;
      const problem = await loaded(doc);
      const whole = searchSequence(problem, everything);
      if (whole.outcome === 'budget') return;
      const plan = solveHeuristic(problem, { searchStates: 300_000, searchMaxVms: 40, improve: true }, {});
      expect(['optimal', 'feasible'].includes(plan.status)).toBe(whole.outcome === 'found');
      if (whole.outcome !== 'found') { expect(plan.status).toBe('infeasible'); return; }
      expect(verifyPlan(problem, plan.waves).valid).toBe(true);
      expect(plan.lowerBound!).toBeLessThanOrEqual(whole.cost!);
      if (plan.status === 'optimal') expect(plan.cost).toBe(whole.cost);
    }), { numRuns: 200, seed: 9 });
  });
});

describe('the proven bounds', () => {
  it('never exceed the least cost, and the waves bound never exceeds the waves of a valid plan', async () => {
    await fc.assert(fc.asyncProperty(shape, async (s) => {
      const doc = await instance(s);
      if (!doc) return;
      const problem = await loaded(doc);
      const whole = searchSequence(problem, everything);
      if (whole.outcome !== 'found') return;
      const bounds = provenBounds(problem);
      expect(bounds.cost).toBeLessThanOrEqual(whole.cost!);
      const waves = greedyWaves(problem, { deadline: Infinity });
      if (waves.complete) expect(bounds.waves).toBeLessThanOrEqual(waves.waves.length);
    }), { numRuns: 250, seed: 10 });
  });
});

describe('wave compaction', () => {
  const check = (problem: Problem, before: Move[][]) => {
    const after = compactWaves(problem, before);
    expect(after.length).toBeLessThanOrEqual(before.length);
    expect(verifyPlan(problem, toWaveDocs(problem.model, after)).valid).toBe(true);
    expect(movesCost(problem.cost, after)).toBe(movesCost(problem.cost, before));
    const key = (w: Move[][]) => w.flat().map((m) => `${m.vm}:${m.from}>${m.to}`).sort();
    expect(key(after)).toEqual(key(before));
    return after;
  };

  it('never adds waves and keeps every plan valid, at the same cost', async () => {
    await fc.assert(fc.asyncProperty(shape, async (s) => {
      const doc = await instance({ ...s, reachable: true });
      if (!doc) return;
      const problem = await loaded(doc);
      const greedy = greedyWaves(problem, { deadline: Infinity });
      if (!greedy.complete) return;
      check(problem, greedy.waves);
      // One migration per wave: compaction must find the parallelism again, never lose validity.
      const serial = check(problem, greedy.waves.flatMap((w) => w.map((m) => [m])));
      expect(serial.length).toBeLessThanOrEqual(greedy.waves.flat().length);
    }), { numRuns: 250, seed: 11 });
  });

  it('puts independent swaps back in parallel after they were run one after the other', async () => {
    const problem = await loaded(kSwaps(6));
    const greedy = greedyWaves(problem, { deadline: Infinity });
    // The swaps one after the other: 18 waves of one migration.
    const serial = [0, 1, 2, 3, 4, 5].flatMap((i) => greedy.waves.map((w) => w.filter((m) => problem.model.vms[m.vm]!.name.endsWith(String(i)))));
    expect(serial).toHaveLength(18);
    expect(check(problem, serial)).toHaveLength(3);
  });
});

describe('deadlines', () => {
  /** A clock that advances 1 ms each time it is read: deterministic, whatever the machine's load. */
  const ticking = () => { let t = 0; return { now: () => ++t, read: () => t }; };

  it('stop a search at its deadline', async () => {
    const problem = await loaded(kSwaps(8));
    const clock = ticking();
    const r = searchSequence(problem, { maxStates: 10_000_000, deadline: 200, now: clock.now });
    expect(r.outcome).toBe('time');
    expect(clock.read()).toBeLessThanOrEqual(500);
  });

  it('make the engine return, given 0.2 s, within 0.5 s with the verified plan it already has', async () => {
    // A 40-host, 200-VM cloud whose greedy plan is 1.5 % above the optimum: only a search could prove more.
    const problem = await loaded(exactCloud({ hosts: 40, vms: 200, seed: 1 }));
    const clock = ticking();
    // Exhaustive search allowed on the whole cloud: it cannot finish in time, the greedy's plan must survive.
    const plan = solveHeuristic(problem, { searchStates: 10_000_000, searchMaxVms: 1000, improve: true, now: clock.now }, { timeLimit: 0.2 });
    expect(clock.read()).toBeLessThanOrEqual(500);
    expect(plan.status).toBe('feasible');
    expect(verifyPlan(problem, plan.waves).valid).toBe(true);
  });
});
