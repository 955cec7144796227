/**
 * Service levels while VMs move (issue 12): a replicated group keeps its quorum, a VM
 * is moved no more often than its budget, and a VM is moved live only when it converges
 * within its allowed downtime. Plans are re-verified by replay in the helper.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import type { InstanceDoc, PolicyDoc } from '../src/model/instance.js';
import type { Plan } from '../src/model/plan.js';
import { verifyPlan, verifyDependencies } from '../src/verify/replay.js';
import { retarget } from '../src/placement/retarget.js';
import { independentParts } from '../src/plan/decompose.js';
import { PlacementState } from '../src/model/state.js';
import { disagreements } from './rule-agreement.js';
import { cloud, load, moves, plan } from './helpers.js';

/** Six replicas of db, each moving one host along a ring of six hosts with no per-host limit. */
function ring(policy: PolicyDoc): InstanceDoc {
  const hosts: Record<string, Record<string, number>> = {};
  const vms: Record<string, { demand: Record<string, number>; group: string }> = {};
  const at: Record<string, string> = {};
  const to: Record<string, string> = {};
  for (let i = 0; i < 6; i++) {
    hosts[`h${i}`] = { ram: 4096 };
    vms[`db${i}`] = { demand: { ram: 1024 }, group: 'db' };
    vms[`web${i}`] = { demand: { ram: 1024 }, group: 'web' };
    at[`db${i}`] = at[`web${i}`] = `h${i}`;
    to[`db${i}`] = to[`web${i}`] = `h${(i + 1) % 6}`;
  }
  return cloud({ hosts, vms, at, to, policy, limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null } });
}

/** Most migrations of a group under way at once in the plan's estimated schedule. */
function peakInSchedule(p: Plan, prefix: string): number {
  const spans = p.waves.flatMap((w) => w.migrations).filter((m) => m.vm.startsWith(prefix))
    .map((m) => [m.estimatedStart!, m.estimatedStart! + m.estimatedSeconds!] as const);
  return Math.max(...spans.map(([t]) => spans.filter(([s, e]) => s <= t && t < e).length));
}

const inWave = (p: Plan, prefix: string) => p.waves.map((w) => w.migrations.filter((m) => m.vm.startsWith(prefix)).length);

describe('group-concurrency', () => {
  it.each([1, 2, 3])('never has more than %i replicas of a group in flight, in the waves and in the dependency schedule', async (k) => {
    const p = await plan(ring({ rules: [{ name: 'group-concurrency', options: { maxInFlight: k } }] }));
    expect(p.status).toBe('optimal');
    expect(Math.max(...inWave(p, 'db'))).toBeLessThanOrEqual(k);
    expect(Math.max(...inWave(p, 'web'))).toBeLessThanOrEqual(k);
    expect(p.waves.length).toBeGreaterThanOrEqual(Math.ceil(6 / k));
    expect(peakInSchedule(p, 'db')).toBeLessThanOrEqual(k);
    expect(peakInSchedule(p, 'web')).toBeLessThanOrEqual(k);
  });

  it('gives a group its own limit where the options override it', async () => {
    const p = await plan(ring({ rules: [{ name: 'group-concurrency', options: { maxInFlight: 1, groups: { db: 3 } } }] }));
    expect(Math.max(...inWave(p, 'web'))).toBe(1);
    expect(Math.max(...inWave(p, 'db'))).toBeLessThanOrEqual(3);
    expect(Math.max(...inWave(p, 'db'))).toBeGreaterThan(1);
  });

  it('lets the whole group move at once without the rule', async () => {
    const p = await plan(ring({}));
    expect(Math.max(...inWave(p, 'db'))).toBe(6);
  });

  it('refuses a dependency graph that lets more replicas run at once than the limit, naming the group', async () => {
    const doc = ring({ rules: [{ name: 'group-concurrency', options: { maxInFlight: 2 } }] });
    const p = await plan(doc);
    const { problem } = await load(doc);
    const free = p.waves.flatMap((w) => w.migrations).map(() => []);
    const check = verifyDependencies(problem, p.waves, free);
    expect(check.valid).toBe(false);
    expect(check.violations).toContainEqual(expect.objectContaining({ rule: 'group-concurrency', limit: 2, message: expect.stringContaining('group db') }));
  });

  it('makes the replay verifier name the rule, the VMs, the group and the wave of a wave with too many replicas', async () => {
    const doc = ring({ rules: [{ name: 'group-concurrency', options: { maxInFlight: 1 } }] });
    const { problem } = await load(doc);
    const waves = [{ migrations: [{ vm: 'db0', from: 'h0', to: 'h1' }, { vm: 'db3', from: 'h3', to: 'h4' }] }];
    const found = verifyPlan(problem, waves).violations.filter((v) => v.rule === 'group-concurrency');
    expect(found.map((v) => v.vm).sort()).toEqual(['db0', 'db3']);
    expect(found.every((v) => v.wave === 1 && v.message.includes(`${v.vm} migrates while group db has 2 VMs migrating at once (db0, db3), limit 1`))).toBe(true);
  });
});

/** x (60) and y (80) swap between two full hosts; a spare takes either. Parking x is cheaper. */
const swap = (policy: PolicyDoc) => cloud({
  hosts: { a: { ram: 100 }, b: { ram: 100 }, spare: { ram: 100 } },
  vms: { x: { ram: 60 }, y: { ram: 80 } },
  at: { x: 'a', y: 'b' },
  to: { x: 'b', y: 'a' },
  policy,
});

describe('max-moves', () => {
  it('parks the cheaper VM without the rule', async () => {
    const p = await plan(swap({}));
    expect(moves(p).filter((m) => m.startsWith('x:'))).toHaveLength(2);
    expect(p.cost).toBe(60 + 80 + 60);
  });

  it('max-moves 1 on x: a plan that never parks x, proven the cheapest such plan', async () => {
    const p = await plan(swap({ rules: [{ name: 'max-moves', options: { vms: ['x'] } }] }));
    expect(p.status).toBe('optimal');
    expect(moves(p).filter((m) => m.startsWith('x:'))).toEqual(['x:a>b']);
    expect(p.cost).toBe(60 + 80 + 80);
  });

  it('max-moves 1 on every VM: no plan, and the explanation says which VM\'s budget blocks', async () => {
    const p = await plan(swap({ rules: ['max-moves'] }));
    expect(p.status).toBe('infeasible');
    expect(p.explanation!.join('\n')).toMatch(/blocked by max-moves of VM (x|y)/);
  });

  it('max-moves 2 allows one parking trip', async () => {
    const p = await plan(swap({ rules: [{ name: 'max-moves', options: { max: 2 } }] }));
    expect(p.cost).toBe(60 + 80 + 60);
  });

  it('makes the replay verifier name the rule, the VM and the wave of a move beyond the budget', async () => {
    const { problem } = await load(swap({ rules: [{ name: 'max-moves', options: { vms: ['x'] } }] }));
    const waves = [
      { migrations: [{ vm: 'x', from: 'a', to: 'spare' }] },
      { migrations: [{ vm: 'y', from: 'b', to: 'a' }] },
      { migrations: [{ vm: 'x', from: 'spare', to: 'b' }] },
    ];
    const check = verifyPlan(problem, waves);
    expect(check.valid).toBe(false);
    expect(check.violations).toEqual([expect.objectContaining({ rule: 'max-moves', vm: 'x', wave: 3, limit: 1 })]);
  });
});

/** A 4 GiB guest dirtying 400 MiB/s, allowed 300 ms of pause, leaving a host with three idle VMs. */
const sender = (maxOutgoing: number) => cloud({
  hosts: { a: { ram: 16384 }, b: { ram: 16384 } },
  vms: {
    busy: { demand: { ram: 4096 }, sla: { maxDowntimeMs: 300 }, attributes: { dirtyRate: 400 } },
    i1: { ram: 1024 }, i2: { ram: 1024 }, i3: { ram: 1024 },
  },
  at: { busy: 'a', i1: 'a', i2: 'a', i3: 'a' },
  to: { busy: 'b' },
  policy: { rules: ['downtime'] },
  limits: { maxOutgoingPerHost: maxOutgoing, maxIncomingPerHost: maxOutgoing },
});

describe('downtime', () => {
  it('moves a VM live when it converges within its SLA at the bandwidth its path always gets', async () => {
    const p = await plan(sender(1));
    expect(moves(p)).toEqual(['busy:a>b']);
  });

  it('does not move it live when the limits let it share its link with others, and says why', async () => {
    const p = await plan(sender(4));
    expect(p.status).toBe('infeasible');
    const why = p.explanation!.join('\n');
    expect(why).toMatch(/busy cannot move live a -> b: estimated downtime \d+ ms \(at 298\.0 MiB\/s, the least its path may get\) exceeds its SLA of 300 ms/);
  });

  it('parks another VM when the cheaper one cannot reach the spare live within its SLA', async () => {
    // The spare's link is slow (100 Mb/s): y (60 MiB, 50 MiB/s dirtied, 100 ms allowed) never converges over it.
    const doc = cloud({
      hosts: { a: { ram: 100 }, b: { ram: 100 }, spare: { capacity: { ram: 100 }, attributes: { bandwidth: 100 } } },
      vms: { x: { ram: 80 }, y: { demand: { ram: 60 }, sla: { maxDowntimeMs: 100 }, attributes: { dirtyRate: 50 } } },
      at: { x: 'a', y: 'b' },
      to: { x: 'b', y: 'a' },
      policy: { rules: ['downtime'] },
    });
    const p = await plan(doc);
    expect(p.status).toBe('optimal');
    expect(moves(p)).toEqual(['x:a>spare', 'y:b>a', 'x:spare>b']);
    expect(p.cost).toBe(80 + 60 + 80);
    const without = await plan({ ...doc, policy: {} });
    expect(without.cost).toBe(60 + 80 + 60);
  });

  it('admits a live move exactly when beginning it adds a violation to its state check', async () => {
    for (const limit of [1, 4]) {
      const { problem } = await load(sender(limit));
      const rule = problem.rules.find((r) => r.name === 'downtime')!;
      const state = new PlacementState(problem.model, problem.usable);
      expect(disagreements(rule, state, problem.model)).toEqual([]);
      expect(rule.admits(state, problem.model.vmIndex.get('busy')!, problem.model.hostIndex.get('b')!)).toBe(limit === 1);
    }
  });

  it('makes the replay verifier name the rule, the VM and the wave of a live move its SLA does not allow', async () => {
    const { problem } = await load(sender(4));
    const check = verifyPlan(problem, [{ migrations: [{ vm: 'busy', from: 'a', to: 'b' }] }]);
    expect(check.violations).toEqual([expect.objectContaining({ rule: 'downtime', vm: 'busy', wave: 1, message: expect.stringContaining('exceeds its SLA of 300 ms') })]);
  });
});

describe('with the other rules and a scoped strategy', () => {
  it('evacuates hosts chosen by the scoped strategy under headroom and all three service-level rules', async () => {
    const doc = ring({
      rules: [{ name: 'headroom', options: { fraction: { ram: 0.1 } } }, { name: 'group-concurrency', options: { maxInFlight: 2 } }, { name: 'max-moves', options: { max: 2 } }, 'downtime'],
    });
    delete doc.target;
    doc.vms.filter((v) => v.name.startsWith('db')).forEach((v) => { v.sla = { maxDowntimeMs: 500 }; });
    const chosen = await retarget(doc, { source: 'test' }, { name: 'scoped', options: { strategy: { name: 'evacuate', options: { hosts: ['h0'] } }, hosts: ['h0'] } });
    const p = await plan(chosen.doc);
    expect(['optimal', 'feasible']).toContain(p.status);
    expect(moves(p).some((m) => m.includes(':h0>'))).toBe(true);
    expect(Math.max(...inWave(p, 'db'), ...inWave(p, 'web'))).toBeLessThanOrEqual(2);
    expect(peakInSchedule(p, 'db')).toBeLessThanOrEqual(2);
  });
});

describe('independent parts under group-concurrency', () => {
  /** Two swaps, each in its own zone with a spare; the swapped VMs are db replicas. */
  const twoSwaps = (rules: PolicyDoc['rules']) => cloud({
    hosts: Object.fromEntries(['a1', 'b1', 's1', 'a2', 'b2', 's2'].map((h) => [h, { capacity: { ram: 100 }, zone: `z${h[1]}` }])),
    vms: {
      x1: { demand: { ram: 80 }, group: 'db' }, y1: { demand: { ram: 60 }, group: 'db' },
      x2: { demand: { ram: 80 }, group: 'db' }, y2: { demand: { ram: 60 }, group: 'db' },
    },
    at: { x1: 'a1', y1: 'b1', x2: 'a2', y2: 'b2' },
    to: { x1: 'b1', y1: 'a1', x2: 'b2', y2: 'a2' },
    policy: { rules },
  });

  it('keeps the replicas of a group in one part, so that parts merged wave by wave keep its limit', async () => {
    expect(independentParts((await load(twoSwaps(['zone']))).problem)).toHaveLength(2);
    const doc = twoSwaps(['zone', 'group-concurrency']);
    expect(independentParts((await load(doc)).problem)).toHaveLength(1);
    const p = await plan(doc);
    expect(p.status).toBe('optimal');
    expect(p.waves.map((w) => w.migrations.length)).toEqual(Array(6).fill(1));
    expect(p.cost).toBe(2 * (80 + 60 + 60));
  });
});
