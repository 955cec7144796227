/**
 * Schedules: the pre-copy duration model, the dependency graph of a plan, the makespans of
 * the wave-by-wave and dependency-based schedules, and the graph's verification. No timing
 * assertions: durations here are model outputs, not measurements.
 */
import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { InstanceDoc, PolicyDoc } from '../src/model/instance.js';
import type { Plan, Wave } from '../src/model/plan.js';
import type { Move } from '../src/plan/moves.js';
import { planMigrations, type Loaded } from '../src/api.js';
import { verifyPlan, verifyDependencies } from '../src/verify/replay.js';
import {
  preCopy, migrationSeconds, dirtiedDuring, linkBandwidth, DEFAULT_DURATION_OPTIONS, MEGABITS_PER_MIB,
  type MigrationProfile,
} from '../src/schedule/duration.js';
import { buildDependencies, flatten } from '../src/schedule/dependencies.js';
import { scheduleInput, simulateDependencies, simulateWaves } from '../src/schedule/makespan.js';
import { flattenWaves } from '../src/schedule/verify.js';
import { PlacementState } from '../src/model/state.js';
import { generateCloud, mulberry32 } from '../bench/generate.js';
import { cloud, load } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
const o = { maxDowntime: 0.3, maxRounds: 30, setup: 1 };
const profile = (memory: number, extra: Partial<MigrationProfile> = {}): MigrationProfile => ({ memory, hotDirtySize: 0, hotDirtyDuration: 1, coldDirtyRate: 0, ...extra });
const increasing = (xs: number[], strict = true) => xs.every((x, i) => i === 0 || (strict ? x > xs[i - 1]! : x >= xs[i - 1]!));

/** Index moves by names, as an engine would produce them. */
function movesOf(loaded: Loaded, ...waves: string[]): Move[][] {
  const { model } = loaded;
  return waves.map((w) => w.split(/\s+/).filter(Boolean).map((m) => {
    const [, vm, from, to] = /^(.*):(.*)>(.*)$/.exec(m)!;
    return { vm: model.vmIndex.get(vm!)!, from: model.hostIndex.get(from!)!, to: model.hostIndex.get(to!)! };
  }));
}

function wavesOf(...text: string[]): Wave[] {
  return text.map((w) => ({
    migrations: w.split(/\s+/).filter(Boolean).map((m) => {
      const [, vm, from, to] = /^(.*):(.*)>(.*)$/.exec(m)!;
      return { vm: vm!, from: from!, to: to! };
    }),
  }));
}

const afterOf = (p: Plan) => p.waves.flatMap((w) => w.migrations.map((m) => m.after!));
const readDoc = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as InstanceDoc;

describe('the pre-copy duration model', () => {
  it('copies the memory once when nothing is dirtied, plus the setup', () => {
    expect(preCopy(profile(3000), 1000, o).seconds).toBeCloseTo(1 + 3, 9);
    expect(preCopy(profile(3000), 1000, o).rounds).toBe(1);
  });

  it('copies round after round what the hot and cold pages dirtied, until the rest fits the downtime', () => {
    // 4000 MiB at 1000 MiB/s; hot set 400 MiB rewritten every 2 s; cold 100 MiB/s.
    const p = profile(4000, { hotDirtySize: 400, hotDirtyDuration: 2, coldDirtyRate: 100 });
    // round 0: 4 s -> 400 + 400 = 800 MiB; round 1: 0.8 s -> 160 + 80 = 240 MiB = 0.24 s <= 0.3: final
    expect(dirtiedDuring(p, 4)).toBeCloseTo(800, 9);
    expect(dirtiedDuring(p, 0.8)).toBeCloseTo(240, 9);
    const r = preCopy(p, 1000, o);
    expect(r.seconds).toBeCloseTo(1 + 4 + 0.8 + 0.24, 9);
    expect(r.rounds).toBe(2);
    expect(r.downtime).toBeCloseTo(0.24, 9);
  });

  it('grows with RAM, with the hot set, with the cold dirty rate, and shrinks with the bandwidth', () => {
    const rams = [0, 512, 1024, 4096, 16384, 65536];
    expect(increasing(rams.map((m) => preCopy(profile(m, { coldDirtyRate: 50 }), 1192, o).seconds))).toBe(true);
    const hot = [0, 16, 64, 256, 1024, 4096];
    expect(increasing(hot.map((s) => preCopy(profile(8192, { hotDirtySize: s, hotDirtyDuration: 2 }), 1192, o).seconds), false)).toBe(true);
    expect(preCopy(profile(8192, { hotDirtySize: 4096, hotDirtyDuration: 2 }), 1192, o).seconds).toBeGreaterThan(preCopy(profile(8192), 1192, o).seconds);
    const cold = [0, 10, 50, 200, 1000, 1192, 5000];
    expect(increasing(cold.map((c) => preCopy(profile(8192, { coldDirtyRate: c }), 1192, o).seconds), false)).toBe(true);
    expect(preCopy(profile(8192, { coldDirtyRate: 1000 }), 1192, o).seconds).toBeGreaterThan(preCopy(profile(8192, { coldDirtyRate: 10 }), 1192, o).seconds);
    const bandwidths = [50, 119, 500, 1192, 5000];
    const times = bandwidths.map((b) => preCopy(profile(8192, { hotDirtySize: 96, hotDirtyDuration: 2, coldDirtyRate: 3 }), b, o).seconds);
    expect(increasing(times.reverse())).toBe(true);
  });

  it('ends after maxRounds when the guest dirties faster than the link copies', () => {
    const r = preCopy(profile(1000, { coldDirtyRate: 500 }), 100, { ...o, maxRounds: 4 });
    expect(r.rounds).toBe(4);
    expect(r.seconds).toBeCloseTo(1 + 5 * 10, 9); // every round re-sends all of it
  });

  it('reads memUsed, the dirty attributes and the hosts\' links (Mb/s), with defaults', async () => {
    const doc = cloud({
      hosts: { slow: { capacity: { ram: 65536 }, attributes: { bandwidth: 1000 } }, fast: { ram: 65536 } },
      vms: {
        plain: { ram: 4096 },
        btr: { demand: { ram: 4096 }, attributes: { memUsed: 2000, hotDirtySize: 96, hotDirtyDuration: 2, coldDirtyRate: 3 } },
      },
      at: { plain: 'slow', btr: 'slow' },
    });
    const { model } = await load(doc);
    expect(linkBandwidth(model, model.hostIndex.get('slow')!)).toBeCloseTo(1000 / MEGABITS_PER_MIB, 9);
    expect(linkBandwidth(model, model.hostIndex.get('fast')!)).toBeCloseTo(10_000 / MEGABITS_PER_MIB, 9);
    const [slow, fast] = [model.hostIndex.get('slow')!, model.hostIndex.get('fast')!];
    const btr = model.vmIndex.get('btr')!;
    const plain = model.vmIndex.get('plain')!;
    const bw = 1000 / MEGABITS_PER_MIB;
    expect(migrationSeconds(model, btr, slow, fast)).toBeCloseTo(preCopy(profile(2000, { hotDirtySize: 96, hotDirtyDuration: 2, coldDirtyRate: 3 }), bw, DEFAULT_DURATION_OPTIONS).seconds, 9);
    expect(migrationSeconds(model, plain, slow, fast)).toBeCloseTo(preCopy(profile(4096, { coldDirtyRate: DEFAULT_DURATION_OPTIONS.dirtyRate }), bw, DEFAULT_DURATION_OPTIONS).seconds, 9);
    expect(migrationSeconds(model, plain, fast, fast)).toBeLessThan(migrationSeconds(model, plain, slow, fast));
  });

  it('is the model of the duration cost plugin (per VM, or per route with links)', async () => {
    const doc = cloud({
      hosts: { h1: { capacity: { ram: 65536 }, attributes: { bandwidth: 1000 } }, h2: { ram: 65536 } },
      vms: { a: { demand: { ram: 4096 }, attributes: { memUsed: 3000, hotDirtySize: 96, hotDirtyDuration: 2, coldDirtyRate: 3 } } },
      at: { a: 'h1' },
    });
    const perVm = await load(doc, { cost: { name: 'duration', options: { bandwidth: 500, ...o } } });
    expect(perVm.problem.cost.cost(0, 0, 1)).toBeCloseTo(preCopy(profile(3000, { hotDirtySize: 96, hotDirtyDuration: 2, coldDirtyRate: 3 }), 500, o).seconds, 9);
    const links = await load(doc, { cost: { name: 'duration', options: { links: true } } });
    expect(links.problem.cost.dependsOnRoute).toBe(true);
    expect(links.problem.cost.cost(0, 0, 1)).toBeCloseTo(migrationSeconds(links.model, 0, 0, 1), 9);
    expect(links.problem.cost.minCost!(0)).toBeLessThan(links.problem.cost.cost(0, 0, 1));
  });
});

describe('the dependency graph', () => {
  const roomy = { h1: { ram: 64 }, h2: { ram: 64 }, h3: { ram: 64 }, h4: { ram: 64 } };

  it('orders the migrations of one VM', async () => {
    const l = await load(cloud({ hosts: roomy, vms: { a: { ram: 4 } }, at: { a: 'h1' }, to: { a: 'h3' } }));
    const deps = buildDependencies(l.model, flatten(movesOf(l, 'a:h1>h2', 'a:h2>h3')), { refine: l.problem });
    expect(deps).toEqual([[], [0]]);
  });

  it('queues the migrations of a host on its concurrency slots', async () => {
    // h1 sends three VMs with maxOutgoing 2: the third waits for the first, not the second.
    const l = await load(cloud({
      hosts: roomy, vms: { a: { ram: 4 }, b: { ram: 4 }, c: { ram: 4 } },
      at: { a: 'h1', b: 'h1', c: 'h1' }, to: { a: 'h2', b: 'h3', c: 'h4' },
      limits: { maxOutgoingPerHost: 2, maxIncomingPerHost: 1 },
    }));
    expect(buildDependencies(l.model, flatten(movesOf(l, 'a:h1>h2 b:h1>h3', 'c:h1>h4')))).toEqual([[], [], [0]]);
    // One at a time into h4: the second arrival waits for the first.
    const i = await load(cloud({
      hosts: roomy, vms: { a: { ram: 4 }, b: { ram: 4 } }, at: { a: 'h1', b: 'h2' }, to: { a: 'h4', b: 'h4' },
    }));
    expect(buildDependencies(i.model, flatten(movesOf(i, 'a:h1>h4', 'b:h2>h4')))).toEqual([[], [0]]);
    // Unlimited: nothing to wait for.
    const u = await load(cloud({
      hosts: roomy, vms: { a: { ram: 4 }, b: { ram: 4 } }, at: { a: 'h1', b: 'h1' }, to: { a: 'h2', b: 'h3' },
      limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null },
    }));
    expect(buildDependencies(u.model, flatten(movesOf(u, 'a:h1>h2', 'b:h1>h3')))).toEqual([[], []]);
  });

  it('waits for the departures that free the room, and only for those when refined', async () => {
    // h2 holds b (6 of 8); a (4) fits there only once b has left. c leaves h2 in wave 1 too? No:
    // c (1) leaves h2 in wave 2, a arrives in wave 3: a needs b gone, not c.
    const l = await load(cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 }, h3: { ram: 16 }, h4: { ram: 16 } },
      vms: { a: { ram: 4 }, b: { ram: 6 }, c: { ram: 1 } },
      at: { a: 'h1', b: 'h2', c: 'h2' }, to: { a: 'h2', b: 'h3', c: 'h4' },
      limits: { maxOutgoingPerHost: null, maxIncomingPerHost: 1 },
    }));
    const plan = flatten(movesOf(l, 'b:h2>h3', 'c:h2>h4', 'a:h1>h2'));
    expect(buildDependencies(l.model, plan)).toEqual([[], [], [0, 1]]);
    expect(buildDependencies(l.model, plan, { refine: l.problem })).toEqual([[], [], [0]]);
  });

  it('covers anti-affinity: a VM waits for its group-mate to leave', async () => {
    const l = await load(cloud({
      hosts: roomy,
      vms: { a: { demand: { ram: 1 }, group: 'g' }, b: { demand: { ram: 1 }, group: 'g' } },
      at: { a: 'h1', b: 'h2' }, to: { a: 'h2', b: 'h3' },
    }), { rules: ['anti-affinity'] });
    expect(buildDependencies(l.model, flatten(movesOf(l, 'b:h2>h3', 'a:h1>h2')), { refine: l.problem })).toEqual([[], [0]]);
  });

  it('swap.json: the big VM waits for the small one to leave, the small one\'s return waits for the big one', async () => {
    const { plan } = await planMigrations(readDoc(join(EXAMPLES, 'swap.json')), { source: 'swap' });
    expect(plan.waves.map((w) => w.migrations.map((m) => `${m.vm}:${m.from}>${m.to}`))).toEqual([['small:h2>spare'], ['big:h1>h2'], ['small:spare>h1']]);
    expect(afterOf(plan)).toEqual([[], [0], [1]]);
  });
});

describe('makespans', () => {
  it('shares a link between the migrations using it at the same time', async () => {
    const l = await load(cloud({
      hosts: { h1: { ram: 65536 }, h2: { ram: 65536 }, h3: { ram: 65536 } },
      vms: { a: { ram: 8192 }, b: { ram: 8192 } },
      at: { a: 'h1', b: 'h1' }, to: { a: 'h2', b: 'h3' },
      limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null },
    }));
    const input = (waves: Move[][]) => scheduleInput(l.model, flatten(waves));
    const together = simulateWaves(input(movesOf(l, 'a:h1>h2 b:h1>h3')));
    const alone = simulateWaves(input(movesOf(l, 'a:h1>h2')));
    expect(alone.makespan).toBeCloseTo(migrationSeconds(l.model, 0, 0, 1), 6);
    expect(together.end[0]! - together.start[0]!).toBeGreaterThan(alone.makespan * 1.5);
    // One after the other is faster than both at once on one link when pages are dirtied meanwhile.
    const apart = simulateWaves(input(movesOf(l, 'a:h1>h2', 'b:h1>h3')));
    expect(apart.makespan).toBeCloseTo(2 * alone.makespan, 6);
    expect(apart.waveSeconds).toHaveLength(2);
  });

  it('lasts each wave as long as its longest migration when no link is shared', async () => {
    const l = await load(cloud({
      hosts: { h1: { ram: 65536 }, h2: { ram: 65536 }, h3: { ram: 1536 }, h4: { ram: 65536 } },
      vms: { big: { ram: 32768 }, small: { ram: 1024 }, next: { ram: 1024 } },
      at: { big: 'h1', small: 'h3', next: 'h2' }, to: { big: 'h2', small: 'h4', next: 'h3' },
    }));
    // wave 1: big h1>h2 and small h3>h4; wave 2: next h2>h3, which fits on h3 only once small has left
    const plan = flatten(movesOf(l, 'big:h1>h2 small:h3>h4', 'next:h2>h3'));
    const input = scheduleInput(l.model, plan);
    const waves = simulateWaves(input);
    const seconds = (vm: string, a: string, b: string) => migrationSeconds(l.model, l.model.vmIndex.get(vm)!, l.model.hostIndex.get(a)!, l.model.hostIndex.get(b)!);
    expect(waves.makespan).toBeCloseTo(seconds('big', 'h1', 'h2') + seconds('next', 'h2', 'h3'), 6);
    const deps = buildDependencies(l.model, plan, { refine: l.problem });
    expect(deps[2]).toEqual([1]); // not big: next leaves h2, whose sending side big does not use
    const asap = simulateDependencies(input, deps);
    expect(asap.makespan).toBeCloseTo(seconds('big', 'h1', 'h2'), 6);
  });

  it('never makes the dependency-based schedule longer than the waves', async () => {
    const docs: Array<[string, InstanceDoc, PolicyDoc | undefined]> = [
      ...[1, 2, 3].map((seed) => [`cloud-${seed}`, generateCloud({ hosts: 30, seed }), undefined] as [string, InstanceDoc, undefined]),
      ...[1, 2].map((seed) => [`small-${seed}`, generateCloud({ hosts: 6, seed, small: true }), undefined] as [string, InstanceDoc, undefined]),
      ['unlimited', generateCloud({ hosts: 20, seed: 4, limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null } }), undefined],
      ['cloud-20', readDoc(join(EXAMPLES, 'cloud-20.json')), undefined],
    ];
    for (const [name, doc, policy] of docs) {
      const { plan, loaded } = await planMigrations(doc, { source: name, ...(policy ? { policy } : {}) });
      const m = plan.stats.makespan!;
      expect(m.dependencies, name).toBeLessThanOrEqual(m.waves);
      expect(m.dependencies, name).toBeGreaterThan(0);
      if (Number.isFinite(loaded.model.hosts[0]!.maxOutgoing)) {
        // One migration each way per host: no link is shared, so starting early never slows anything.
        const flat = flattenWaves(loaded.problem, plan.waves).plan!;
        const input = scheduleInput(loaded.model, flat);
        expect(simulateDependencies(input, afterOf(plan)).makespan, name).toBeLessThanOrEqual(simulateWaves(input).makespan + 1e-9);
      }
    }
  });
});

describe('plans carry their schedule', () => {
  it('has after, estimatedStart and estimatedSeconds on every migration, and both makespans', async () => {
    const { plan, loaded } = await planMigrations(readDoc(join(EXAMPLES, 'cloud-20.json')), { source: 'cloud-20' });
    const all = plan.waves.flatMap((w) => w.migrations);
    expect(all.length).toBeGreaterThan(0);
    for (const [i, m] of all.entries()) {
      expect(m.after!.every((p) => Number.isInteger(p) && p >= 0 && p < i), `migration ${i}`).toBe(true);
      expect(m.estimatedSeconds).toBeGreaterThan(0);
      expect(m.estimatedStart).toBeGreaterThanOrEqual(0);
      for (const p of m.after!) expect(m.estimatedStart!).toBeGreaterThanOrEqual(all[p]!.estimatedStart! + all[p]!.estimatedSeconds! - 1e-3);
    }
    const end = Math.max(...all.map((m) => m.estimatedStart! + m.estimatedSeconds!));
    expect(end).toBeCloseTo(plan.stats.makespan!.dependencies, 2);
    expect(() => loaded.kernel.schemas.assert('plan', plan, 'plan')).not.toThrow();
  });
});

describe('verifyDependencies', () => {
  const instances = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).map((f) => join(EXAMPLES, f))
    .filter((f) => 'hosts' in (readDoc(f) as object));
  const configurations: Array<{ name: string; file: string; policy?: PolicyDoc; pluginDirs?: string[] }> = [
    ...instances.map((file) => ({ name: file.slice(EXAMPLES.length + 1), file })),
    { name: 'cloud-20.json + policy-headroom.json', file: join(EXAMPLES, 'cloud-20.json'), policy: readDoc(join(EXAMPLES, 'policy-headroom.json')) as unknown as PolicyDoc },
    { name: 'plugins/demo', file: join(EXAMPLES, 'plugins', 'demo', 'instance.json'), pluginDirs: [join(EXAMPLES, 'plugins')] },
  ];

  for (const c of configurations) {
    it(`accepts the graph planned for ${c.name}`, async () => {
      const { plan, loaded } = await planMigrations(readDoc(c.file), { source: c.name, ...(c.policy ? { policy: c.policy } : {}), ...(c.pluginDirs ? { pluginDirs: c.pluginDirs } : {}) });
      if (plan.status !== 'optimal' && plan.status !== 'feasible') return; // impossible-swap.json: no plan, no graph
      expect(verifyPlan(loaded.problem, plan.waves).valid).toBe(true);
      const check = verifyDependencies(loaded.problem, plan.waves, afterOf(plan));
      expect(check.violations).toEqual([]);
      expect(check.valid).toBe(true);
    });
  }

  const swap = () => load(readDoc(join(EXAMPLES, 'swap.json')));
  const swapPlan = wavesOf('small:h2>spare', 'big:h1>h2', 'small:spare>h1');

  it('rejects swap.json\'s graph without the edge that frees h2 for the big VM', async () => {
    const l = await swap();
    expect(verifyDependencies(l.problem, swapPlan, [[], [0], [1]]).valid).toBe(true);
    // small's return still waits for both (its own first move, and big leaving h1)
    const check = verifyDependencies(l.problem, swapPlan, [[], [], [0, 1]]);
    expect(check.valid).toBe(false);
    expect(check.violations).toContainEqual(expect.objectContaining({ rule: 'capacity', host: 'h2', resource: 'ram', wave: 2 }));
  });

  it('rejects a graph that lets the small VM come back before the big one has left h1, or run its two moves out of order', async () => {
    const l = await swap();
    const early = verifyDependencies(l.problem, swapPlan, [[], [0], [0]]);
    expect(early.valid).toBe(false);
    expect(early.violations).toContainEqual(expect.objectContaining({ rule: 'capacity', host: 'h1' }));
    const unordered = verifyDependencies(l.problem, swapPlan, [[], [0], []]);
    expect(unordered.valid).toBe(false);
    expect(unordered.violations.map((v) => v.message).join('\n')).toMatch(/small migrates twice/);
  });

  it('rejects a cycle, bad indices and a graph that breaks a concurrency limit', async () => {
    const l = await swap();
    expect(verifyDependencies(l.problem, swapPlan, [[2], [0], [1]]).violations[0]!.message).toMatch(/cycle/);
    expect(verifyDependencies(l.problem, swapPlan, [[], [7], [1]]).violations[0]!.message).toMatch(/not a migration number/);
    expect(verifyDependencies(l.problem, swapPlan, [[], [0]]).valid).toBe(false);
    // Two VMs leave h1 (limit 1) with no edge between them.
    const c = await load(cloud({
      hosts: { h1: { ram: 64 }, h2: { ram: 64 }, h3: { ram: 64 } },
      vms: { a: { ram: 4 }, b: { ram: 4 } }, at: { a: 'h1', b: 'h1' }, to: { a: 'h2', b: 'h3' },
    }));
    const waves = wavesOf('a:h1>h2', 'b:h1>h3');
    expect(verifyDependencies(c.problem, waves, [[], [0]]).valid).toBe(true);
    const check = verifyDependencies(c.problem, waves, [[], []]);
    expect(check.valid).toBe(false);
    expect(check.violations).toContainEqual(expect.objectContaining({ rule: 'concurrency', host: 'h1', load: 2, limit: 1 }));
  });

  it('judges a graph that runs migrations against the order of the waves', async () => {
    const l = await swap();
    // The big VM first, while the small one still fills h2.
    const check = verifyDependencies(l.problem, swapPlan, [[1], [], [0, 1]]);
    expect(check.violations).toContainEqual(expect.objectContaining({ rule: 'capacity', host: 'h2' }));
    const roomy = await load(cloud({
      hosts: { h1: { ram: 64 }, h2: { ram: 64 }, h3: { ram: 64 }, h4: { ram: 64 } },
      vms: { a: { ram: 4 }, b: { ram: 4 } }, at: { a: 'h1', b: 'h3' }, to: { a: 'h2', b: 'h4' },
    }));
    expect(verifyDependencies(roomy.problem, wavesOf('a:h1>h2', 'b:h3>h4'), [[1], []]).valid).toBe(true);
  });

  it('rejects anti-affinity broken in an order the graph allows', async () => {
    const l = await load(cloud({
      hosts: { h1: { ram: 64 }, h2: { ram: 64 }, h3: { ram: 64 } },
      vms: { a: { demand: { ram: 1 }, group: 'g' }, b: { demand: { ram: 1 }, group: 'g' } },
      at: { a: 'h1', b: 'h2' }, to: { a: 'h2', b: 'h3' },
      limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null },
    }), { rules: ['anti-affinity'] });
    const waves = wavesOf('b:h2>h3', 'a:h1>h2');
    expect(verifyPlan(l.problem, waves).valid).toBe(true);
    expect(verifyDependencies(l.problem, waves, [[], [0]]).valid).toBe(true);
    expect(verifyDependencies(l.problem, waves, [[], []]).violations).toContainEqual(expect.objectContaining({ rule: 'anti-affinity', host: 'h2' }));
  });
});

describe('random executions of an accepted graph', () => {
  /**
   * Runs the migrations with random durations, each as soon as those it waits for are done,
   * and checks every rule on the destination whenever a migration starts (the moment a host
   * holds the most) and the per-host limits. Returns the problems seen.
   */
  function execute(loaded: Loaded, plan: Plan, seed: number, deps: number[][] = afterOf(plan)): string[] {
    const flat = flattenWaves(loaded.problem, plan.waves).plan!;
    const random = mulberry32(seed);
    const { model, rules } = loaded.problem;
    const state = new PlacementState(model, loaded.problem.usable);
    const waiting = deps.map((l) => l.length);
    const succ: number[][] = deps.map(() => []);
    deps.forEach((l, m) => l.forEach((p) => succ[p]!.push(m)));
    const sending = new Int32Array(model.hosts.length);
    const receiving = new Int32Array(model.hosts.length);
    const problems: string[] = [];
    const events: Array<[number, number]> = []; // end time, migration
    const start = (m: number, t: number) => {
      const [v, a, b] = [flat.vm[m]!, flat.from[m]!, flat.to[m]!];
      if (state.hostOf(v) !== a) problems.push(`#${m} starts from the wrong host`);
      state.beginMove(v, b);
      if (++sending[a]! > model.hosts[a]!.maxOutgoing) problems.push(`#${m}: too many leave ${a}`);
      if (++receiving[b]! > model.hosts[b]!.maxIncoming) problems.push(`#${m}: too many arrive at ${b}`);
      for (const r of rules) for (const v2 of r.check(state, [b])) problems.push(`#${m}: ${v2.message}`);
      events.push([t + 0.1 + random() * (random() < 0.2 ? 20 : 2), m]);
    };
    deps.forEach((l, m) => { if (l.length === 0) start(m, 0); });
    while (events.length) {
      events.sort((x, y) => y[0] - x[0]);
      const [t, m] = events.pop()!;
      const v = flat.vm[m]!;
      state.cancelMove(v);
      state.relocate(v, flat.to[m]!);
      sending[flat.from[m]!]!--;
      receiving[flat.to[m]!]!--;
      for (const s2 of succ[m]!) if (--waiting[s2] === 0) start(s2, t);
    }
    return problems;
  }

  const cases: Array<[string, () => InstanceDoc]> = [
    ['1 in / 1 out', () => generateCloud({ hosts: 25, seed: 5, fill: 0.93 })],
    ['2 out / 3 in, 30 per wave', () => generateCloud({ hosts: 25, seed: 6, fill: 0.93, limits: { maxOutgoingPerHost: 2, maxIncomingPerHost: 3, maxPerWave: 30 } })],
    ['unlimited', () => generateCloud({ hosts: 25, seed: 7, fill: 0.93, limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null } })],
    ['cloud-20.json (anti-affinity, zones)', () => readDoc(join(EXAMPLES, 'cloud-20.json'))],
  ];
  for (const [name, make] of cases) {
    it(`never breaks a rule or a limit: ${name}`, async () => {
      const { plan, loaded } = await planMigrations(make(), { source: name });
      expect(verifyDependencies(loaded.problem, plan.waves, afterOf(plan)).valid).toBe(true);
      for (let seed = 1; seed <= 20; seed++) expect(execute(loaded, plan, seed), `seed ${seed}`).toEqual([]);
    });
  }

  it('strengthens the graph where a rule counts arriving VMs in full (page sharing)', async () => {
    const doc = generateCloud({ hosts: 30, seed: 1, fill: 0.97, fillJitter: 0.02, limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null } });
    doc.vms.forEach((v, i) => { v.attributes = { ...v.attributes, os: ['linux', 'win'][i % 2], osVersion: String(i % 3), application: ['web', 'db', 'cache'][(i * 7) % 3] }; });
    const policy: PolicyDoc = { rules: [{ name: 'capacity', options: { exclude: ['ram'] } }, 'sharing'] };
    const { plan, loaded } = await planMigrations(doc, { source: 'sharing', policy });
    expect(['optimal', 'feasible']).toContain(plan.status);
    expect(verifyDependencies(loaded.problem, plan.waves, afterOf(plan)).valid).toBe(true);
    for (let seed = 1; seed <= 10; seed++) expect(execute(loaded, plan, seed), `seed ${seed}`).toEqual([]);
  });

  it('finds problems when the room-freeing edges are dropped (the check above has teeth)', async () => {
    const { plan, loaded } = await planMigrations(generateCloud({ hosts: 25, seed: 5, fill: 0.93, limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null } }), { source: 'loose' });
    const flat = flattenWaves(loaded.problem, plan.waves).plan!;
    // Keep only each VM's own order.
    const last = new Map<number, number>();
    const loose = Array.from({ length: flat.n }, (_, m) => {
      const p = last.get(flat.vm[m]!);
      last.set(flat.vm[m]!, m);
      return p === undefined ? [] : [p];
    });
    expect(verifyDependencies(loaded.problem, plan.waves, loose).valid).toBe(false);
    expect(execute(loaded, plan, 1, loose).some((p) => /exceeds/.test(p))).toBe(true);
  });
});
