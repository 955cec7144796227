/**
 * The built-in rule, over-commit and cost plugins, created through the kernel as
 * a policy would create them. Rules are asked about placement states, including
 * states with VMs in flight (a migrating VM counts on its source and on its
 * destination until its wave ends).
 */
import 'reflect-metadata';
import { disagreements } from './rule-agreement.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PluginRef } from '../src/model/instance.js';
import type { SanityRule } from '../src/plugin-api.js';
import { createKernel } from '../src/kernel/kernel.js';
import { compileModel } from '../src/model/model.js';
import { PlacementState } from '../src/model/state.js';
import { cloud, type CloudSpec } from './helpers.js';

/** A cloud with its plugins configured by the kernel, and a state at its placement. */
function world(spec: CloudSpec, rules: PluginRef[] = [], overcommit?: PluginRef) {
  const model = compileModel(cloud(spec));
  const configured = createKernel().configure({ rules, ...(overcommit ? { overcommit } : {}) }, model);
  const state = new PlacementState(model, configured.problem.usable);
  const vm = (name: string) => model.vmIndex.get(name)!;
  const host = (name: string) => model.hostIndex.get(name)!;
  const rule = (name: string): SanityRule => {
    const found = configured.problem.rules.find((r) => r.name === name);
    if (!found) throw new Error(`rule ${name} is not active`);
    return found;
  };
  /** Usable amount of a resource on a host, after the over-commit rule. */
  const usable = (h: string, resource: string) =>
    configured.problem.usable[host(h) * model.resources.length + model.resources.indexOf(resource)]!;
  return {
    model, state, vm, host, rule, usable, configured,
    move: (v: string, h: string) => state.beginMove(vm(v), host(h)),
    admits: (r: SanityRule, v: string, h: string) => r.admits(state, vm(v), host(h)),
    /** The state as if every VM stood where `at` says (others at their placement). */
    stateAt: (at: Record<string, string>) => {
      const placement = Int32Array.from(model.placement);
      for (const [v, h] of Object.entries(at)) placement[vm(v)] = host(h);
      return new PlacementState(model, configured.problem.usable, placement);
    },
  };
}

describe('capacity', () => {
  it('is silent while every host carries what it can', () => {
    const w = world({
      hosts: { h1: { ram: 8, cpu: 4 }, h2: { ram: 8, cpu: 4 } },
      vms: { a: { ram: 6, cpu: 2 }, b: { ram: 2, cpu: 2 }, c: { ram: 8, cpu: 1 } },
      at: { a: 'h1', b: 'h1', c: 'h2' },
    });
    expect(w.rule('capacity').check(w.state)).toEqual([]);
  });

  it('is always on, even when the policy lists no rule', () => {
    const w = world({ hosts: { h1: { ram: 8 } }, vms: { a: { ram: 1 } }, at: { a: 'h1' } });
    expect(w.configured.problem.rules.map((r) => r.name)).toEqual(['capacity']);
  });

  it('reports the host, resource, load and usable amount of an overloaded resource, and only that one', () => {
    const w = world({
      hosts: { h1: { ram: 8, cpu: 4 }, h2: { ram: 8, cpu: 4 } },
      vms: { a: { ram: 6, cpu: 1 }, b: { ram: 4, cpu: 1 } },
      at: { a: 'h1', b: 'h1' },
    });
    const found = w.rule('capacity').check(w.state);
    expect(found).toEqual([expect.objectContaining({ rule: 'capacity', host: 'h1', resource: 'ram', load: 10, limit: 8 })]);
    expect(found[0]!.message).toMatch(/h1.*ram.*10.*8/);
  });

  it('measures against (capacity - reserved) x allocation ratio', () => {
    const w = world({
      hosts: { h1: { capacity: { ram: 10, cpu: 4 }, reserved: { ram: 2 }, allocationRatio: { cpu: 2 } } },
      vms: { a: { ram: 8, cpu: 8 } },
      at: { a: 'h1' },
    });
    expect(w.usable('h1', 'ram')).toBe(8);
    expect(w.usable('h1', 'cpu')).toBe(8);
    expect(w.rule('capacity').check(w.state)).toEqual([]);

    const over = world({
      hosts: { h1: { capacity: { ram: 10, cpu: 4 }, reserved: { ram: 2 }, allocationRatio: { cpu: 2 } } },
      vms: { a: { ram: 9, cpu: 9 } },
      at: { a: 'h1' },
    });
    expect(over.rule('capacity').check(over.state)).toEqual([
      expect.objectContaining({ host: 'h1', resource: 'ram', load: 9, limit: 8 }),
      expect.objectContaining({ host: 'h1', resource: 'cpu', load: 9, limit: 8 }),
    ]);
  });

  it('treats a resource the host does not list as unlimited there', () => {
    const w = world({
      hosts: { h1: { ram: 8 }, h2: { ram: 8, gpu: 1 } },
      vms: { a: { ram: 1, gpu: 100 } },
      at: { a: 'h1' },
    });
    expect(w.rule('capacity').check(w.state)).toEqual([]);
    expect(w.admits(w.rule('capacity'), 'a', 'h2')).toBe(false);
  });

  it('counts a migrating VM on its source and on its destination: a swap of two big VMs overloads both hosts', () => {
    const w = world({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 } },
      vms: { a: { ram: 5 }, b: { ram: 5 } },
      at: { a: 'h1', b: 'h2' },
    });
    w.move('a', 'h2');
    w.move('b', 'h1');
    expect(w.rule('capacity').check(w.state)).toEqual([
      expect.objectContaining({ rule: 'capacity', host: 'h1', resource: 'ram', load: 10, limit: 8 }),
      expect.objectContaining({ rule: 'capacity', host: 'h2', resource: 'ram', load: 10, limit: 8 }),
    ]);
    w.state.finishWave();
    expect(w.rule('capacity').check(w.state)).toEqual([]);
  });

  it('keeps counting a leaving VM on its source until the wave ends', () => {
    const w = world({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 }, h3: { ram: 8 } },
      vms: { a: { ram: 5 }, b: { ram: 5 } },
      at: { a: 'h1', b: 'h2' },
    });
    w.move('a', 'h3');
    expect(w.state.load(w.host('h1'), 0)).toBe(5);
    expect(w.admits(w.rule('capacity'), 'b', 'h1')).toBe(false);
    w.move('b', 'h1');
    expect(w.rule('capacity').check(w.state)).toEqual([expect.objectContaining({ host: 'h1', load: 10, limit: 8 })]);
  });

  it('looks only at the hosts it is given', () => {
    const w = world({
      hosts: { h1: { ram: 4 }, h2: { ram: 4 } },
      vms: { a: { ram: 5 }, b: { ram: 6 } },
      at: { a: 'h1', b: 'h2' },
    });
    expect(w.rule('capacity').check(w.state, [w.host('h2')])).toEqual([expect.objectContaining({ host: 'h2', load: 6, limit: 4 })]);
    expect(w.rule('capacity').check(w.state, [])).toEqual([]);
  });

  it('admits a VM exactly where beginning the move overloads nothing', () => {
    const w = world({
      hosts: { h1: { ram: 8, cpu: 4 }, h2: { ram: 8, cpu: 4 }, h3: { ram: 4, cpu: 8 } },
      vms: { a: { ram: 4, cpu: 2 }, b: { ram: 4, cpu: 2 }, c: { ram: 3, cpu: 1 }, d: { ram: 1, cpu: 1 }, e: { ram: 1, cpu: 3 } },
      at: { a: 'h1', b: 'h2', c: 'h3', d: 'h1', e: 'h3' },
    });
    const capacity = w.rule('capacity');
    expect(capacity.check(w.state)).toEqual([]);
    expect(w.admits(capacity, 'a', 'h2')).toBe(true); // exactly full
    expect(w.admits(capacity, 'a', 'h3')).toBe(false); // ram 8 > 4
    expect(w.admits(capacity, 'e', 'h1')).toBe(false); // cpu 6 > 4
    expect(w.admits(capacity, 'd', 'h2')).toBe(true);
    expect(disagreements(capacity, w.state, w.model)).toEqual([]);
    w.move('a', 'h2');
    expect(w.admits(capacity, 'd', 'h2')).toBe(false); // h2 is full while a arrives
    expect(disagreements(capacity, w.state, w.model)).toEqual([]);
  });
});

describe('headroom', () => {
  it('keeps the given fraction of every resource free', () => {
    const spec: CloudSpec = {
      hosts: { h1: { ram: 8, cpu: 8 }, h2: { ram: 8, cpu: 8 } },
      vms: { a: { ram: 6, cpu: 6 }, b: { ram: 5, cpu: 1 } },
      at: { a: 'h1', b: 'h2' },
    };
    const w = world(spec, [{ name: 'headroom', options: { fraction: 0.25 } }]);
    expect(w.rule('headroom').check(w.state)).toEqual([]);
    const tight = world({ ...spec, at: { a: 'h1', b: 'h1' } }, [{ name: 'headroom', options: { fraction: 0.25 } }]);
    expect(tight.rule('headroom').check(tight.state)).toEqual([
      expect.objectContaining({ rule: 'headroom', host: 'h1', resource: 'ram', load: 11, limit: 6 }),
      expect.objectContaining({ rule: 'headroom', host: 'h1', resource: 'cpu', load: 7, limit: 6 }),
    ]);
    const late = world({ ...spec, at: { a: 'h2', b: 'h2' } }, [{ name: 'headroom', options: { fraction: 0.25 } }]);
    expect(late.rule('headroom').check(late.state).map((v) => v.host)).toEqual(['h2', 'h2']);
  });

  it('reports a load that capacity accepts but the headroom does not', () => {
    const w = world({ hosts: { h1: { ram: 10 } }, vms: { a: { ram: 9.5 } }, at: { a: 'h1' } }, ['headroom']);
    expect(w.rule('capacity').check(w.state)).toEqual([]);
    // default fraction 0.1
    expect(w.rule('headroom').check(w.state)).toEqual([expect.objectContaining({ rule: 'headroom', host: 'h1', resource: 'ram', load: 9.5, limit: 9 })]);
  });

  it('takes a fraction per resource from an object; unnamed resources keep no headroom', () => {
    const w = world({
      hosts: { h1: { ram: 8, cpu: 4 } },
      vms: { a: { ram: 8, cpu: 3 } },
      at: { a: 'h1' },
    }, [{ name: 'headroom', options: { fraction: { cpu: 0.5 } } }]);
    expect(w.rule('headroom').check(w.state)).toEqual([expect.objectContaining({ host: 'h1', resource: 'cpu', load: 3, limit: 2 })]);
  });

  it('applies to the usable amount after over-commit', () => {
    const w = world({
      hosts: { h1: { capacity: { cpu: 4 }, allocationRatio: { cpu: 4 } } },
      vms: { a: { cpu: 9 } },
      at: { a: 'h1' },
    }, [{ name: 'headroom', options: { fraction: 0.5 } }]);
    expect(w.rule('headroom').check(w.state)).toEqual([expect.objectContaining({ resource: 'cpu', load: 9, limit: 8 })]);
  });

  it('counts in-flight VMs on both hosts and admits exactly what check accepts', () => {
    const w = world({
      hosts: { h1: { ram: 10 }, h2: { ram: 10 }, h3: { ram: 10 } },
      vms: { a: { ram: 4 }, b: { ram: 4 }, c: { ram: 2 } },
      at: { a: 'h1', b: 'h2', c: 'h3' },
    }, [{ name: 'headroom', options: { fraction: 0.2 } }]);
    const headroom = w.rule('headroom');
    expect(w.admits(headroom, 'a', 'h2')).toBe(true); // 8 <= 8
    w.move('a', 'h2');
    expect(headroom.check(w.state)).toEqual([]);
    expect(w.admits(headroom, 'c', 'h1')).toBe(true); // 6: a still counts on h1
    expect(w.admits(headroom, 'c', 'h2')).toBe(false); // 10 > 8
    expect(disagreements(headroom, w.state, w.model)).toEqual([]);
    w.move('b', 'h1');
    expect(headroom.check(w.state)).toEqual([]);
    w.move('c', 'h1');
    expect(headroom.check(w.state)).toEqual([expect.objectContaining({ host: 'h1', load: 10, limit: 8 })]);
  });
});

describe('anti-affinity', () => {
  const spec: CloudSpec = {
    hosts: { h1: { ram: 16 }, h2: { ram: 16 }, h3: { ram: 16 } },
    vms: {
      a: { demand: { ram: 1 }, group: 'web' },
      b: { demand: { ram: 1 }, group: 'web' },
      c: { demand: { ram: 1 }, group: 'db' },
      d: { demand: { ram: 1 }, group: 'db' },
      e: { ram: 1 },
    },
    at: { a: 'h1', b: 'h2', c: 'h1', d: 'h2', e: 'h1' },
  };

  it('is silent while the VMs of each group are on different hosts', () => {
    const w = world(spec, ['anti-affinity']);
    expect(w.rule('anti-affinity').check(w.state)).toEqual([]);
  });

  it('reports the host and the second VM of a group found there, naming both VMs and the group', () => {
    const w = world({ ...spec, at: { ...spec.at, b: 'h1' } }, ['anti-affinity']);
    const found = w.rule('anti-affinity').check(w.state);
    expect(found).toEqual([expect.objectContaining({ rule: 'anti-affinity', host: 'h1', vm: 'b' })]);
    expect(found[0]!.message).toMatch(/\ba\b.*\bb\b.*web/);
  });

  it('counts an arriving VM on its destination: a VM cannot arrive where its partner is leaving', () => {
    const w = world(spec, ['anti-affinity']);
    w.move('b', 'h3');
    expect(w.admits(w.rule('anti-affinity'), 'a', 'h2')).toBe(false);
    w.move('a', 'h2');
    expect(w.rule('anti-affinity').check(w.state)).toEqual([expect.objectContaining({ host: 'h2', vm: 'a' })]);
    w.state.finishWave();
    expect(w.rule('anti-affinity').check(w.state)).toEqual([]);
  });

  it('lets VMs without a group, or of different groups, share a host', () => {
    const w = world(spec, ['anti-affinity']);
    const rule = w.rule('anti-affinity');
    expect(w.admits(rule, 'e', 'h2')).toBe(true);
    expect(w.admits(rule, 'a', 'h3')).toBe(true);
    expect(w.admits(rule, 'c', 'h3')).toBe(true);
    w.move('c', 'h2'); // joins a db VM
    expect(rule.check(w.state)).toEqual([expect.objectContaining({ host: 'h2', vm: expect.stringMatching(/^[cd]$/) })]);
  });

  it('applies only to the listed groups when given some', () => {
    const w = world({ ...spec, at: { a: 'h1', b: 'h1', c: 'h2', d: 'h2', e: 'h3' } }, [{ name: 'anti-affinity', options: { groups: ['db'] } }]);
    const rule = w.rule('anti-affinity');
    expect(rule.check(w.state)).toEqual([expect.objectContaining({ host: 'h2', vm: 'd' })]);
    expect(w.admits(rule, 'a', 'h3')).toBe(true);
    w.move('a', 'h3');
    expect(w.admits(rule, 'b', 'h3')).toBe(true);
  });

  it('admits exactly what check accepts, with and without VMs in flight', () => {
    const w = world(spec, ['anti-affinity']);
    const rule = w.rule('anti-affinity');
    expect(disagreements(rule, w.state, w.model)).toEqual([]);
    w.move('a', 'h3');
    expect(disagreements(rule, w.state, w.model)).toEqual([]);
  });
});

describe('admits() agrees with check() on random small states', () => {
  const smallCloud = fc.record({
    hosts: fc.array(fc.integer({ min: 2, max: 12 }), { minLength: 2, maxLength: 4 }),
    vms: fc.array(
      fc.record({ ram: fc.integer({ min: 0, max: 6 }), group: fc.constantFrom(undefined, 'g1', 'g2') }),
      { minLength: 1, maxLength: 6 },
    ),
    seeds: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
    flights: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }),
  });

  it('for capacity and anti-affinity', () => {
    fc.assert(fc.property(smallCloud, ({ hosts, vms, seeds, flights }) => {
      const hostNames = hosts.map((_, i) => `h${i}`);
      const w = world({
        hosts: Object.fromEntries(hosts.map((ram, i) => [hostNames[i]!, { ram }])),
        vms: Object.fromEntries(vms.map((v, i) => [`v${i}`, v.group ? { demand: { ram: v.ram }, group: v.group } : { ram: v.ram }])),
        at: Object.fromEntries(vms.map((_, i) => [`v${i}`, hostNames[seeds[i]! % hosts.length]!])),
      }, ['anti-affinity']);
      for (const [v, h] of flights) {
        const vm = v % vms.length;
        const host = h % hosts.length;
        if (w.state.destinationOf(vm) < 0 && w.state.hostOf(vm) !== host) w.state.beginMove(vm, host);
      }
      for (const name of ['capacity', 'anti-affinity']) {
        expect(disagreements(w.rule(name), w.state, w.model), name).toEqual([]);
      }
    }), { numRuns: 300 });
  });
});

describe('pin', () => {
  const spec: CloudSpec = {
    hosts: { h1: { ram: 16 }, h2: { ram: 16 } },
    vms: { 'db-1': { ram: 1 }, 'db-2': { ram: 1 }, 'web-1': { ram: 1 } },
    at: { 'db-1': 'h1', 'db-2': 'h2', 'web-1': 'h1' },
  };

  it('is silent while pinned VMs stay home', () => {
    const w = world(spec, [{ name: 'pin', options: { vms: ['db-*'] } }]);
    expect(w.rule('pin').check(w.state)).toEqual([]);
  });

  it('says which VMs may move: glob patterns and exact names select the pinned ones', () => {
    const w = world(spec, [{ name: 'pin', options: { vms: ['db-?', 'web-1'] } }]);
    const pin = w.rule('pin');
    expect(pin.movable!(w.vm('db-1'))).toBe(false);
    expect(pin.movable!(w.vm('db-2'))).toBe(false);
    expect(pin.movable!(w.vm('web-1'))).toBe(false);
    const some = world(spec, [{ name: 'pin', options: { vms: ['db-1'] } }]);
    expect(['db-1', 'db-2', 'web-1'].map((v) => some.rule('pin').movable!(some.vm(v)))).toEqual([false, true, true]);
    const none = world(spec, ['pin']);
    expect(['db-1', 'db-2', 'web-1'].map((v) => none.rule('pin').movable!(none.vm(v)))).toEqual([true, true, true]);
  });

  it('reports a pinned VM that is migrating, once, with its host', () => {
    const w = world(spec, [{ name: 'pin', options: { vms: ['db-*'] } }]);
    w.move('db-1', 'h2');
    expect(w.rule('pin').check(w.state)).toEqual([expect.objectContaining({ rule: 'pin', vm: 'db-1', host: 'h1' })]);
  });

  it('reports a pinned VM found away from its host', () => {
    const w = world(spec, [{ name: 'pin', options: { vms: ['db-*'] } }]);
    const away = w.stateAt({ 'db-2': 'h1', 'web-1': 'h2' });
    expect(w.rule('pin').check(away)).toEqual([expect.objectContaining({ rule: 'pin', vm: 'db-2', host: 'h1' })]);
  });

  it('admits pinned VMs nowhere else, others anywhere, in agreement with check', () => {
    const w = world(spec, [{ name: 'pin', options: { vms: ['db-*'] } }]);
    const pin = w.rule('pin');
    expect(w.admits(pin, 'db-1', 'h2')).toBe(false);
    expect(w.admits(pin, 'web-1', 'h2')).toBe(true);
    expect(disagreements(pin, w.state, w.model)).toEqual([]);
  });
});

describe('zone', () => {
  const spec: CloudSpec = {
    hosts: {
      a1: { capacity: { ram: 16 }, zone: 'za' },
      a2: { capacity: { ram: 16 }, zone: 'za' },
      b1: { capacity: { ram: 16 }, zone: 'zb' },
      n1: { ram: 16 },
      n2: { ram: 16 },
    },
    vms: { x: { ram: 1 }, y: { ram: 1 }, z: { ram: 1 } },
    at: { x: 'a1', y: 'b1', z: 'n1' },
  };

  it('is silent while every VM is in the zone it started in', () => {
    const w = world(spec, ['zone']);
    expect(w.rule('zone').check(w.state)).toEqual([]);
  });

  it('admits moves within the zone only; hosts without a zone form a zone of their own', () => {
    const w = world(spec, ['zone']);
    const zone = w.rule('zone');
    expect(w.admits(zone, 'x', 'a2')).toBe(true);
    expect(w.admits(zone, 'x', 'b1')).toBe(false);
    expect(w.admits(zone, 'x', 'n1')).toBe(false);
    expect(w.admits(zone, 'z', 'n2')).toBe(true);
    expect(w.admits(zone, 'z', 'a1')).toBe(false);
    expect(disagreements(zone, w.state, w.model)).toEqual([]);
  });

  it('reports a VM arriving on a host of another zone, naming the VM and that host', () => {
    const w = world(spec, ['zone']);
    w.move('x', 'b1');
    const found = w.rule('zone').check(w.state);
    expect(found).toEqual([expect.objectContaining({ rule: 'zone', vm: 'x', host: 'b1' })]);
    expect(found[0]!.message).toMatch(/za.*zb/);
  });

  it('keeps the home zone of the first placement: a VM found elsewhere is reported', () => {
    const w = world(spec, ['zone']);
    expect(w.rule('zone').check(w.stateAt({ z: 'a2' }))).toEqual([expect.objectContaining({ vm: 'z', host: 'a2' })]);
  });
});

describe('overcommit', () => {
  const spec: CloudSpec = {
    hosts: {
      'big-1': { capacity: { ram: 64, cpu: 8 }, zone: 'z1' },
      'big-2': { capacity: { ram: 64, cpu: 8 }, zone: 'z2' },
      'small-1': { capacity: { ram: 16, cpu: 4 }, zone: 'z1', allocationRatio: { cpu: 3 }, reserved: { ram: 1 } },
    },
    vms: { a: { ram: 1, cpu: 1 } },
    at: { a: 'big-1' },
  };

  it('uses the instance\'s reserved amounts and ratios by default', () => {
    const w = world(spec);
    expect(w.configured.overcommit.name).toBe('overcommit');
    expect([w.usable('big-1', 'ram'), w.usable('big-1', 'cpu')]).toEqual([64, 8]);
    expect([w.usable('small-1', 'ram'), w.usable('small-1', 'cpu')]).toEqual([15, 12]);
  });

  it('changes the usable amounts of hosts whose name matches an override\'s glob', () => {
    const w = world(spec, [], { name: 'overcommit', options: { overrides: [{ hosts: 'big-*', allocationRatio: { cpu: 4 }, reserved: { ram: 4 } }] } });
    expect([w.usable('big-1', 'ram'), w.usable('big-1', 'cpu')]).toEqual([60, 32]);
    expect([w.usable('big-2', 'ram'), w.usable('big-2', 'cpu')]).toEqual([60, 32]);
    expect([w.usable('small-1', 'ram'), w.usable('small-1', 'cpu')]).toEqual([15, 12]);
  });

  it('changes the usable amounts of the hosts of a zone', () => {
    const w = world(spec, [], { name: 'overcommit', options: { overrides: [{ zone: 'z1', reserved: { ram: 8 } }] } });
    expect(w.usable('big-1', 'ram')).toBe(56);
    expect(w.usable('small-1', 'ram')).toBe(8);
    expect(w.usable('big-2', 'ram')).toBe(64);
    expect(w.usable('small-1', 'cpu')).toBe(12); // the instance's ratio stays
  });

  it('needs both the glob and the zone to match when an override gives both', () => {
    const w = world(spec, [], { name: 'overcommit', options: { overrides: [{ hosts: 'big-*', zone: 'z2', allocationRatio: { cpu: 2 } }] } });
    expect([w.usable('big-1', 'cpu'), w.usable('big-2', 'cpu'), w.usable('small-1', 'cpu')]).toEqual([8, 16, 12]);
  });

  it('lets later overrides win over earlier ones', () => {
    const general = { hosts: '*', allocationRatio: { cpu: 2 } };
    const specific = { hosts: 'big-1', allocationRatio: { cpu: 5 } };
    const w = world(spec, [], { name: 'overcommit', options: { overrides: [general, specific] } });
    expect([w.usable('big-1', 'cpu'), w.usable('big-2', 'cpu'), w.usable('small-1', 'cpu')]).toEqual([40, 16, 8]);
    const reversed = world(spec, [], { name: 'overcommit', options: { overrides: [specific, general] } });
    expect([reversed.usable('big-1', 'cpu'), reversed.usable('big-2', 'cpu'), reversed.usable('small-1', 'cpu')]).toEqual([16, 16, 8]);
  });

  it('never makes a usable amount negative, and leaves unlisted resources unlimited', () => {
    const w = world({
      hosts: { h1: { ram: 4 } },
      vms: { a: { ram: 0, cpu: 2 } },
      at: { a: 'h1' },
    }, [], { name: 'overcommit', options: { overrides: [{ hosts: 'h1', reserved: { ram: 6, cpu: 1 } }] } });
    expect(w.usable('h1', 'ram')).toBe(0);
    expect(w.usable('h1', 'cpu')).toBe(Infinity);
  });

  it('is what the capacity rule measures against', () => {
    const w = world({
      hosts: { h1: { ram: 16, cpu: 4 }, h2: { ram: 16, cpu: 4 } },
      vms: { a: { ram: 1, cpu: 10 } },
      at: { a: 'h1' },
    }, [], { name: 'overcommit', options: { overrides: [{ hosts: 'h1', allocationRatio: { cpu: 4 } }] } });
    const capacity = w.rule('capacity');
    expect(capacity.check(w.state)).toEqual([]);
    expect(w.admits(capacity, 'a', 'h2')).toBe(false);
    w.move('a', 'h2');
    expect(capacity.check(w.state)).toEqual([expect.objectContaining({ host: 'h2', resource: 'cpu', load: 10, limit: 4 })]);
  });
});

describe('cost plugins', () => {
  const costOf = (spec: CloudSpec, cost: PluginRef) => {
    const model = compileModel(cloud(spec));
    const fn = createKernel().configure({ cost }, model).problem.cost;
    const of = (vm: string, from = 'h1', to = 'h2') => fn.cost(model.vmIndex.get(vm)!, model.hostIndex.get(from)!, model.hostIndex.get(to)!);
    return { fn, of };
  };
  const hosts = { h1: { ram: 1e6 }, h2: { ram: 1e6 }, h3: { ram: 1e6 } };

  it('ram (the default) costs the VM\'s RAM demand, wherever it goes', () => {
    const spec: CloudSpec = { hosts, vms: { a: { ram: 4096, disk: 10 }, b: { disk: 5 } }, at: { a: 'h1', b: 'h1' } };
    const model = compileModel(cloud(spec));
    const byDefault = createKernel().configure({}, model).problem.cost;
    expect(byDefault.name).toBe('ram');
    expect(byDefault.unit).toBe('MiB');
    const { of } = costOf(spec, 'ram');
    expect(of('a')).toBe(4096);
    expect(of('a', 'h2', 'h3')).toBe(4096);
    expect(of('b')).toBe(0);
  });

  it('ram can cost another resource instead', () => {
    const spec: CloudSpec = { hosts, vms: { a: { ram: 4096, disk: 10 } }, at: { a: 'h1' } };
    const { fn, of } = costOf(spec, { name: 'ram', options: { resource: 'disk' } });
    expect(of('a')).toBe(10);
    expect(fn.unit).toBe('disk');
  });

  it('count costs 1 per migration', () => {
    const { fn, of } = costOf({ hosts, vms: { a: { ram: 4096 }, b: { ram: 1 } }, at: { a: 'h1', b: 'h1' } }, 'count');
    expect([of('a'), of('b'), of('b', 'h2', 'h3')]).toEqual([1, 1, 1]);
    expect(fn.unit).toBe('migrations');
  });

  describe('duration', () => {
    const opts = { bandwidth: 1000, dirtyRate: 0, maxDowntime: 0.5, maxRounds: 30, setup: 1 };
    const withRam = (rams: number[], options: Record<string, unknown> = opts) => {
      const vms = Object.fromEntries(rams.map((ram, i) => [`v${i}`, { ram }]));
      const at = Object.fromEntries(rams.map((_, i) => [`v${i}`, 'h1']));
      const { of } = costOf({ hosts, vms, at }, { name: 'duration', options });
      return rams.map((_, i) => of(`v${i}`));
    };
    const withRates = (ram: number, rates: number[], options: Record<string, unknown> = {}) => {
      const vms = Object.fromEntries(rates.map((rate, i) => [`v${i}`, { demand: { ram }, attributes: { dirtyRate: rate } }]));
      const at = Object.fromEntries(rates.map((_, i) => [`v${i}`, 'h1']));
      const { of } = costOf({ hosts, vms, at }, { name: 'duration', options });
      return rates.map((_, i) => of(`v${i}`));
    };

    it('is in seconds: setup plus copying the RAM at the bandwidth, without dirtying', () => {
      const { fn, of } = costOf({ hosts, vms: { a: { ram: 3000 } }, at: { a: 'h1' } }, { name: 'duration', options: opts });
      expect(fn.unit).toBe('s');
      expect(of('a')).toBeCloseTo(1 + 3, 9);
      expect(withRam([400])[0]).toBeCloseTo(1 + 0.4, 9); // fits in the downtime: one stop-and-copy
    });

    it('copies the dirtied pages round after round until the rest fits in the downtime', () => {
      // 4000 MiB at 1000 MiB/s dirtying 500 MiB/s: 4 s, then 2000 MiB (2 s), 1000 (1 s), 500 (0.5 s, final)
      const [t] = withRam([4000], { ...opts, dirtyRate: 500 });
      expect(t).toBeCloseTo(1 + 4 + 2 + 1 + 0.5, 9);
    });

    it('grows with RAM', () => {
      const rams = [0, 256, 512, 1024, 2048, 4096, 8192, 16384, 65536];
      for (const options of [opts, { ...opts, dirtyRate: 300 }, {}]) {
        const times = withRam(rams, options);
        for (let i = 1; i < times.length; i++) expect(times[i]!, `RAM ${rams[i]} vs ${rams[i - 1]}`).toBeGreaterThan(times[i - 1]!);
      }
    });

    it('never gets shorter with a higher dirty rate', () => {
      // default bandwidth 1190 MiB/s, 30 rounds at most
      const rates = [0, 10, 50, 100, 500, 1000, 1100, 1150, 1180, 1189, 1190, 1200, 2000, 10000];
      const times = withRates(8192, rates);
      for (let i = 1; i < times.length; i++) {
        expect(times[i]!, `dirty rate ${rates[i]} MiB/s vs ${rates[i - 1]} MiB/s`).toBeGreaterThanOrEqual(times[i - 1]!);
      }
    });

    it('stops a slowly converging pre-copy at maxRounds and forces the stop-and-copy', () => {
      // 1000 MiB at 100 MiB/s dirtying 90 MiB/s: rounds of 10, 9, 8.1 s, then 7.29 s paused
      const [t] = withRates(1000, [90], { bandwidth: 100, maxRounds: 3, maxDowntime: 0.3, setup: 1 });
      expect(t).toBeCloseTo(1 + 10 + 9 + 8.1 + 7.29, 9);
    });

    it('still gives a finite time when the dirty rate outruns the bandwidth', () => {
      const options = { bandwidth: 100, maxRounds: 5, maxDowntime: 0.3, setup: 1 };
      const times = withRates(1000, [100, 150, 1e6], options);
      for (const t of times) {
        expect(Number.isFinite(t)).toBe(true);
        expect(t).toBeGreaterThan(1 + 10);
        expect(t).toBeLessThanOrEqual(1 + (options.maxRounds + 1) * 10 + 1e-9);
      }
    });

    it('takes a VM\'s own dirty rate from attributes.dirtyRate, and does not depend on the hosts', () => {
      const { of } = costOf({
        hosts,
        vms: { calm: { ram: 4000 }, busy: { demand: { ram: 4000 }, attributes: { dirtyRate: 500 } } },
        at: { calm: 'h1', busy: 'h1' },
      }, { name: 'duration', options: opts });
      expect(of('calm')).toBeCloseTo(5, 9);
      expect(of('busy')).toBeCloseTo(8.5, 9);
      expect(of('busy', 'h2', 'h3')).toBe(of('busy'));
    });
  });
});
