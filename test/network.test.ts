/**
 * Network-aware plans: the `network` section, durations under max-min sharing over paths,
 * convergence, the network-aware schedule, makespan lower bounds, and the BtrPlace importer
 * keeping every link. Durations are model outputs, not measurements.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc, NetworkDoc } from '../src/model/instance.js';
import type { Plan } from '../src/model/plan.js';
import { planMigrations, loadInstance } from '../src/api.js';
import { InputError } from '../src/io/errors.js';
import { compileModel } from '../src/model/model.js';
import { networkOf, pathChannels } from '../src/model/network.js';
import { preCopy, vmProfile, DEFAULT_DURATION_OPTIONS, MEGABITS_PER_MIB } from '../src/schedule/duration.js';
import { scheduleInput, simulateDependencies } from '../src/schedule/makespan.js';
import type { FlatPlan } from '../src/schedule/dependencies.js';
import { importBtrPlace } from '../src/interop/btrplace-import.js';
import { verifyPlan, verifyDependencies } from '../src/verify/replay.js';

const O = DEFAULT_DURATION_OPTIONS;
const guest = { memUsed: 2000, hotDirtySize: 96, hotDirtyDuration: 2, coldDirtyRate: 2 };

/** Two racks of two hosts (100 Gb/s of RAM each), hosts on 10 Gb/s uplinks, racks joined by 1 Gb/s links to a core. */
function racks(vms: InstanceDoc['vms'], placement: Record<string, string>, target: Record<string, string>, extra: Partial<InstanceDoc> = {}): InstanceDoc {
  const network: NetworkDoc = {
    links: [
      { name: 'a1-up', capacity: 10_000 }, { name: 'a2-up', capacity: 10_000 },
      { name: 'b1-up', capacity: 10_000 }, { name: 'b2-up', capacity: 10_000 },
      { name: 'rack-a', capacity: 1000 }, { name: 'rack-b', capacity: 1000 },
    ],
    hosts: { a1: ['a1-up', 'rack-a'], a2: ['a2-up', 'rack-a'], b1: ['b1-up', 'rack-b'], b2: ['b2-up', 'rack-b'] },
  };
  return {
    hosts: ['a1', 'a2', 'b1', 'b2'].map((name) => ({ name, capacity: { ram: 100_000 } })),
    vms, placement, target, network, ...extra,
  };
}

const vm = (name: string, attributes: Record<string, number> = guest) => ({ name, demand: { ram: 2000 }, attributes });

function flatOf(doc: InstanceDoc, moves: [string, string, string][]): { plan: FlatPlan; model: ReturnType<typeof compileModel> } {
  const model = compileModel(doc);
  const n = moves.length;
  return {
    model,
    plan: {
      n,
      vm: Int32Array.from(moves, ([v]) => model.vmIndex.get(v)!),
      from: Int32Array.from(moves, ([, a]) => model.hostIndex.get(a)!),
      to: Int32Array.from(moves, ([, , b]) => model.hostIndex.get(b)!),
      wave: new Int32Array(n),
      waveStart: Int32Array.of(0, n),
    },
  };
}

const seconds = (p: Plan) => p.waves.flatMap((w) => w.migrations.map((m) => [m.estimatedStart!, m.estimatedStart! + m.estimatedSeconds!] as const));

describe('the network model', () => {
  it('routes a migration over the links up to the common switch, and no further', () => {
    const model = compileModel(racks([vm('x')], { x: 'a1' }, {}));
    const net = networkOf(model, O.linkMbps);
    const names = (a: string, b: string) => Array.from(pathChannels(net, model.hostIndex.get(a)!, model.hostIndex.get(b)!), (c) => `${net.linkNames[c >> 1]} ${c & 1 ? 'down' : 'up'}`);
    expect(names('a1', 'a2')).toEqual(['a1-up up', 'a2-up down']);
    expect(names('a1', 'b2')).toEqual(['a1-up up', 'rack-a up', 'b2-up down', 'rack-b down']);
  });

  it('keeps the per-host link model without a network section', () => {
    const doc: InstanceDoc = { hosts: [{ name: 'h1', attributes: { bandwidth: 500 } }, { name: 'h2' }], vms: [vm('x')], placement: { x: 'h1' } };
    const model = compileModel(doc);
    const net = networkOf(model, O.linkMbps);
    expect(net.linkNames).toEqual(['h1', 'h2']);
    expect(net.capacity[0]).toBeCloseTo(500 / MEGABITS_PER_MIB, 12);
    expect(net.capacity[1]).toBeCloseTo(O.linkMbps / MEGABITS_PER_MIB, 12);
  });

  it('names the JSON path and value of a bad network', async () => {
    const bad = racks([vm('x')], { x: 'a1' }, {});
    bad.network!.hosts['a2'] = ['a2-up', 'nowhere'];
    bad.network!.hosts['ghost'] = ['a1-up'];
    bad.network!.links.push({ name: 'a1-up', capacity: 5 });
    const error = await loadInstance(bad).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const issues = (error as InputError).issues;
    expect(issues).toContainEqual(expect.objectContaining({ path: '/network/hosts/a2/1', message: expect.stringContaining('"nowhere"') }));
    expect(issues).toContainEqual(expect.objectContaining({ path: '/network/hosts/ghost', message: expect.stringContaining('"ghost"') }));
    expect(issues).toContainEqual(expect.objectContaining({ path: '/network/links/6/name', message: expect.stringContaining('"a1-up"') }));
  });

  it('refuses links that do not form a tree', async () => {
    const bad = racks([vm('x')], { x: 'a1' }, {});
    bad.network!.hosts['a2'] = ['a2-up', 'rack-a', 'rack-b'];
    const error = await loadInstance(bad).then(() => undefined, (e: unknown) => e);
    expect((error as InputError).issues.some((i) => i.path.startsWith('/network/hosts/') && /tree/.test(i.message))).toBe(true);
  });
});

describe('durations under sharing', () => {
  it('equal the closed-form pre-copy duration for a migration with its path to itself', async () => {
    const { plan, loaded } = await planMigrations(racks([vm('x')], { x: 'a1' }, { x: 'b1' }));
    const closed = preCopy(vmProfile(loaded.model, 0, O), 1000 / MEGABITS_PER_MIB, O).seconds;
    expect(plan.waves[0]!.migrations[0]!.estimatedSeconds).toBeCloseTo(closed, 2);
    expect(plan.stats.makespan!.dependencies).toBeCloseTo(closed, 2);
  });

  it('make two migrations sharing a link each take longer than either alone', () => {
    const doc = racks([vm('x'), vm('y')], { x: 'a1', y: 'a2' }, { x: 'b1', y: 'b2' });
    const alone = (moves: [string, string, string][]) => {
      const { model, plan } = flatOf(doc, moves);
      return simulateDependencies(scheduleInput(model, plan, O), moves.map(() => []));
    };
    const x = alone([['x', 'a1', 'b1']]).makespan;
    const y = alone([['y', 'a2', 'b2']]).makespan;
    const both = alone([['x', 'a1', 'b1'], ['y', 'a2', 'b2']]);
    expect(both.end[0]!).toBeGreaterThan(x);
    expect(both.end[1]!).toBeGreaterThan(y);
    // Different racks' uplinks are not shared: no slowdown.
    const apart = alone([['x', 'a1', 'a2'], ['y', 'b1', 'b2']]);
    expect(apart.makespan).toBeCloseTo(Math.max(alone([['x', 'a1', 'a2']]).makespan, alone([['y', 'b1', 'b2']]).makespan), 9);
  });

  it('give a migration max-min fair shares: what a slower migration cannot use goes to the other', () => {
    // x is held to 100 Mb/s by its own uplink; y gets the rest of the 1 Gb/s rack link.
    const doc = racks([vm('x'), vm('y')], { x: 'a1', y: 'a2' }, { x: 'b1', y: 'b2' });
    doc.network!.links[0]!.capacity = 100;
    const { model, plan } = flatOf(doc, [['x', 'a1', 'b1'], ['y', 'a2', 'b2']]);
    const s = simulateDependencies(scheduleInput(model, plan, O), [[], []]);
    const yAlone = preCopy(vmProfile(model, 1, O), 900 / MEGABITS_PER_MIB, O).seconds;
    expect(s.end[1]!).toBeCloseTo(yAlone, 6);
  });
});

describe('convergence', () => {
  // A guest dirtying 70 MiB/s converges alone on 1 Gb/s (119 MiB/s) but not on half of it.
  const busy = { memUsed: 2000, hotDirtySize: 0, hotDirtyDuration: 1, coldDirtyRate: 70 };

  it('is never given up: a migration that cannot converge at its share waits for bandwidth', async () => {
    const doc = racks([vm('x', busy), vm('y', busy)], { x: 'a1', y: 'a2' }, { x: 'b1', y: 'b2' }, { limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null } });
    const { model, plan: flat } = flatOf(doc, [['x', 'a1', 'b1'], ['y', 'a2', 'b2']]);
    expect(simulateDependencies(scheduleInput(model, flat, O), [[], []]).forced.reduce((s, f) => s + f, 0)).toBe(2);
    const { plan } = await planMigrations(doc);
    expect(plan.stats.makespan!.nonConvergent).toBeUndefined();
    const [a, b] = seconds(plan);
    expect(a![1] <= b![0] + 1e-6 || b![1] <= a![0] + 1e-6).toBe(true);
  });

  it('is reported when a migration cannot converge even alone', async () => {
    const hopeless = { memUsed: 2000, hotDirtySize: 0, hotDirtyDuration: 1, coldDirtyRate: 500 };
    const { plan } = await planMigrations(racks([vm('x', hopeless)], { x: 'a1' }, { x: 'b1' }));
    expect(plan.stats.makespan!.nonConvergent).toBe(1);
    expect(plan.notes!.some((n) => n.includes('cannot converge') && n.includes('x'))).toBe(true);
  });
});

describe('the network-aware schedule', () => {
  it('runs migrations that share a rack link one after the other, and reports the link bound', async () => {
    const names = ['p', 'q', 'r', 's'];
    const doc = racks(names.map((n) => vm(n)), Object.fromEntries(names.map((n, i) => [n, i % 2 ? 'a2' : 'a1'])), Object.fromEntries(names.map((n, i) => [n, i % 2 ? 'b2' : 'b1'])), { limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null } });
    const { plan, loaded } = await planMigrations(doc);
    const times = seconds(plan).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < times.length; i++) expect(times[i]![0]).toBeGreaterThanOrEqual(times[i - 1]![1] - 1e-6);
    const ms = plan.stats.makespan!;
    expect(ms.bounds!.link).toBe('rack-a up');
    expect(ms.dependencies).toBeGreaterThanOrEqual(ms.lowerBound! - 1e-6);
    // The execution order it prints is a verified dependency graph of verified waves.
    expect(verifyPlan(loaded.problem, plan.waves).valid).toBe(true);
    expect(verifyDependencies(loaded.problem, plan.waves, plan.waves.flatMap((w) => w.migrations.map((m) => m.after!))).valid).toBe(true);
  });

  it('keeps today\'s waves and schedule with the waves objective', async () => {
    const names = ['p', 'q', 'r', 's'];
    const doc = racks(names.map((n) => vm(n)), Object.fromEntries(names.map((n) => [n, 'a1'])), Object.fromEntries(names.map((n) => [n, 'b1'])), { limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null }, policy: { objective: 'waves' } });
    const { plan } = await planMigrations(doc);
    expect(plan.waves).toHaveLength(1);
    expect(plan.stats.makespan!.schedule).not.toBe('network');
  });

  it('never estimates a longer plan without per-host limits than with them (random small clouds)', async () => {
    const hostName = (i: number) => `h${i}`;
    const arbitrary = fc.record({
      hosts: fc.integer({ min: 2, max: 5 }),
      links: fc.array(fc.constantFrom(500, 1000, 10_000), { minLength: 5, maxLength: 5 }),
      vms: fc.array(fc.record({ from: fc.nat(4), to: fc.nat(4), memory: fc.constantFrom(1000, 2000, 4000), dirty: fc.constantFrom(0, 5, 40) }), { minLength: 1, maxLength: 7 }),
    });
    await fc.assert(fc.asyncProperty(arbitrary, async ({ hosts, links, vms }) => {
      const doc = (limits: InstanceDoc['limits']): InstanceDoc => ({
        hosts: Array.from({ length: hosts }, (_, i) => ({ name: hostName(i), capacity: { ram: 64_000 }, attributes: { bandwidth: links[i]! } })),
        vms: vms.map((v, i) => ({ name: `v${i}`, demand: { ram: v.memory }, attributes: { memUsed: v.memory, coldDirtyRate: v.dirty } })),
        placement: Object.fromEntries(vms.map((v, i) => [`v${i}`, hostName(v.from % hosts)])),
        target: Object.fromEntries(vms.map((v, i) => [`v${i}`, hostName(v.to % hosts)])),
        ...(limits ? { limits } : {}),
      });
      const limited = (await planMigrations(doc(undefined))).plan;
      const free = (await planMigrations(doc({ maxOutgoingPerHost: null, maxIncomingPerHost: null }))).plan;
      const time = (p: Plan) => p.stats.makespan?.dependencies ?? 0;
      expect(free.cost).toBeLessThanOrEqual(limited.cost! + 1e-9);
      expect(time(free)).toBeLessThanOrEqual(time(limited) + 1e-6);
    }), { numRuns: 40, seed: 11 });
  });
});

describe('importing a BtrPlace net view', () => {
  /** Written for this test from the BtrPlace format: nodes 0, 1 on switch 0, node 2 on switch 1, both switches under switch 2. */
  const fixture = {
    model: {
      mapping: { onlineNodes: { 0: { runningVMs: [0], sleepingVMs: [] }, 1: { runningVMs: [], sleepingVMs: [] }, 2: { runningVMs: [], sleepingVMs: [] } }, offlineNodes: [], readyVMs: [] },
      attributes: { nodes: {}, vms: { 0: { memUsed: 1000 } } },
      views: [
        { id: 'shareableResource', rcId: 'mem', defCapacity: 8, defConsumption: 1, nodes: {}, vms: {} },
        {
          id: 'net', routing: { type: 'default' },
          switches: [{ id: 0, capacity: -1 }, { id: 1, capacity: -1 }, { id: 2, capacity: -1 }],
          links: [
            { id: 10, capacity: 1000, switch: 0, physicalElement: { type: 'node', id: 0 } },
            { id: 11, capacity: 1000, switch: 0, physicalElement: { type: 'node', id: 1 } },
            { id: 12, capacity: 500, switch: 1, physicalElement: { type: 'node', id: 2 } },
            { id: 20, capacity: 10_000, switch: 2, physicalElement: { type: 'switch', id: 0 } },
            { id: 21, capacity: 4000, switch: 2, physicalElement: { type: 'switch', id: 1 } },
          ],
        },
      ],
    },
    constraints: [{ id: 'fence', vm: 0, nodes: [2] }],
  };

  it('keeps every switch and link of the view', () => {
    const { instance, warnings } = importBtrPlace(fixture);
    expect(instance.network).toEqual({
      links: [
        { name: 'link-10', capacity: 1000 }, { name: 'link-11', capacity: 1000 }, { name: 'link-12', capacity: 500 },
        { name: 'link-20', capacity: 10_000 }, { name: 'link-21', capacity: 4000 },
      ],
      hosts: { 'node-0': ['link-10', 'link-20'], 'node-1': ['link-11', 'link-20'], 'node-2': ['link-12', 'link-21'] },
    });
    expect(warnings.filter((w) => w.startsWith('net view'))).toEqual([]);
  });

  it('plans the imported instance over the imported paths', async () => {
    const { plan, loaded } = await planMigrations(importBtrPlace(fixture).instance);
    const closed = preCopy(vmProfile(loaded.model, 0, O), 500 / MEGABITS_PER_MIB, O).seconds;
    expect(plan.stats.makespan!.dependencies).toBeCloseTo(closed, 2);
  });
});
