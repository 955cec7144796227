/**
 * Property: whenever the target can be reached from the placement (we build it
 * by random valid migrations, so it can), the planner returns a plan and that
 * plan passes the replay verifier.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc, PolicyDoc } from '../src/model/instance.js';
import { loadInstance } from '../src/api.js';
import { PlacementState } from '../src/model/state.js';
import { plan } from './helpers.js';

interface Shape {
  hosts: number[];
  vms: { ram: number; cpu: number; group: number }[];
  walk: { vm: number; host: number }[];
  groups: boolean;
}

const shape = fc.record({
  hosts: fc.array(fc.integer({ min: 4, max: 12 }), { minLength: 2, maxLength: 5 }),
  vms: fc.array(fc.record({ ram: fc.integer({ min: 1, max: 6 }), cpu: fc.integer({ min: 0, max: 4 }), group: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 10 }),
  walk: fc.array(fc.record({ vm: fc.nat(), host: fc.nat() }), { maxLength: 14 }),
  groups: fc.boolean(),
});

/** Places VMs first-fit, then walks random valid single migrations to get a reachable target. */
async function reachableInstance(s: Shape): Promise<InstanceDoc | undefined> {
  const hosts = s.hosts.map((ram, i) => ({ name: `h${i}`, capacity: { ram, cpu: 8 } }));
  const load = s.hosts.map(() => [0, 0]);
  const vms: InstanceDoc['vms'] = [];
  const placement: Record<string, string> = {};
  s.vms.forEach((v, i) => {
    const h = hosts.findIndex((_, j) => load[j]![0]! + v.ram <= s.hosts[j]! && load[j]![1]! + v.cpu <= 8
      && (!s.groups || !vms.some((w) => placement[w.name] === `h${j}` && w.group === `g${v.group}`)));
    if (h < 0) return;
    load[h]![0]! += v.ram;
    load[h]![1]! += v.cpu;
    vms.push({ name: `v${i}`, demand: { ram: v.ram, cpu: v.cpu }, group: `g${v.group}` });
    placement[`v${i}`] = `h${h}`;
  });
  if (vms.length === 0) return undefined;
  const policy: PolicyDoc = s.groups ? { rules: ['anti-affinity'] } : {};
  const start: InstanceDoc = { hosts, vms, placement, policy };
  const { problem } = await loadInstance(start);
  const state = new PlacementState(problem.model, problem.usable);
  for (const step of s.walk) {
    const v = step.vm % vms.length;
    const h = step.host % hosts.length;
    if (state.hostOf(v) === h || !problem.rules.every((r) => r.admits(state, v, h))) continue;
    state.beginMove(v, h);
    state.finishWave();
  }
  const target = Object.fromEntries(vms.map((v, i) => [v.name, `h${state.hostOf(i)}`]));
  return { ...start, target };
}

describe('any reachable target', () => {
  it('gets a verified plan from the default engine', async () => {
    await fc.assert(fc.asyncProperty(shape, async (s) => {
      const doc = await reachableInstance(s);
      if (!doc) return;
      const p = await plan(doc); // the helper re-verifies by replay
      expect(['optimal', 'feasible']).toContain(p.status);
      expect(p.cost).toBeGreaterThanOrEqual(p.lowerBound!);
    }), { numRuns: 300, seed: 42 });
  });

  it('gets a verified plan from the greedy wave builder alone, without exhaustive search', async () => {
    const greedyOnly: PolicyDoc = { engine: { name: 'heuristic', options: { searchMaxVms: 0 } } };
    await fc.assert(fc.asyncProperty(shape, async (s) => {
      const doc = await reachableInstance(s);
      if (!doc) return;
      const p = await plan(doc, { ...doc.policy, ...greedyOnly });
      expect(['optimal', 'feasible']).toContain(p.status);
    }), { numRuns: 300, seed: 7 });
  });
});
