/**
 * The schedule simulations (as soon as possible, wave by wave, and the network-aware list
 * schedule with its start decisions) give exactly the times and the extended graph of the
 * implementation they replaced (kept in test/reference/ as the oracle), on the dependency
 * graphs of random plans over shared links: racks behind slow uplinks, with and without
 * per-host limits, and guests that dirty memory fast enough not to converge on a shared link.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc, LimitsDoc, NetworkDoc } from '../src/model/instance.js';
import { planMigrations } from '../src/api.js';
import { buildDependencies } from '../src/schedule/dependencies.js';
import { flattenWaves } from '../src/schedule/verify.js';
import { resumeSchedule, scheduleInput, simulateDependencies, simulateWaves, type Schedule } from '../src/schedule/makespan.js';
import { listSchedule } from '../src/schedule/network-schedule.js';
import * as referenceMakespan from './reference/makespan.js';
import { listSchedule as referenceList } from './reference/network-schedule.js';
import { mulberry32 } from '../bench/generate.js';

const LIMITS: (LimitsDoc | undefined)[] = [undefined, { maxOutgoingPerHost: null, maxIncomingPerHost: null }, { maxOutgoingPerHost: 2, maxIncomingPerHost: 3 }];

const cloudArbitrary = fc.record({
  racks: fc.integer({ min: 1, max: 4 }),
  perRack: fc.integer({ min: 2, max: 5 }),
  vms: fc.integer({ min: 4, max: 60 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  limits: fc.integer({ min: 0, max: LIMITS.length - 1 }),
  rackMbps: fc.constantFrom(1000, 4000, 20_000),
});

/** Racks of hosts on 10 Gb/s uplinks joined by rack links of `rackMbps`; VMs retargeted at random within free room. */
function cloud(p: { racks: number; perRack: number; vms: number; seed: number; limits: number; rackMbps: number }): InstanceDoc {
  const random = mulberry32(p.seed);
  const hosts = Array.from({ length: p.racks * p.perRack }, (_, i) => `h${i}`);
  const network: NetworkDoc = {
    links: [
      ...hosts.map((h) => ({ name: `${h}-up`, capacity: 10_000 })),
      ...Array.from({ length: p.racks }, (_, r) => ({ name: `rack${r}`, capacity: p.rackMbps })),
    ],
    hosts: Object.fromEntries(hosts.map((h, i) => [h, [`${h}-up`, `rack${Math.floor(i / p.perRack)}`]])),
  };
  const pick = () => hosts[Math.floor(random() * hosts.length)]!;
  const vms = Array.from({ length: p.vms }, (_, i) => {
    const memory = [1000, 2000, 4000][Math.floor(random() * 3)]!;
    return { name: `v${i}`, demand: { ram: memory }, attributes: { memUsed: memory, coldDirtyRate: [0, 5, 40, 200][Math.floor(random() * 4)]! } };
  });
  const limits = LIMITS[p.limits];
  return {
    hosts: hosts.map((name) => ({ name, capacity: { ram: 32_000 } })),
    vms,
    placement: Object.fromEntries(vms.map((v) => [v.name, pick()])),
    target: Object.fromEntries(vms.map((v) => [v.name, pick()])),
    network,
    ...(limits ? { limits } : {}),
  };
}

const times = (s: Schedule) => ({ start: Array.from(s.start), end: Array.from(s.end), makespan: s.makespan, forced: Array.from(s.forced) });

describe('schedule simulations against the previous implementation', () => {
  it('give the same times, start decisions and convergence on random plans over shared links', async () => {
    let compared = 0;
    let immediate = 0;
    await fc.assert(fc.asyncProperty(cloudArbitrary, async (p) => {
      const doc = cloud(p);
      let loaded;
      let plan;
      try {
        ({ loaded, plan } = await planMigrations(doc));
      } catch {
        return; // a random target may break capacity: nothing to schedule
      }
      if (plan.status !== 'optimal' && plan.status !== 'feasible') return;
      const flat = flattenWaves(loaded.problem, plan.waves).plan!;
      const deps = buildDependencies(loaded.model, flat, { refine: loaded.problem });
      const input = scheduleInput(loaded.model, flat);
      const refInput = referenceMakespan.scheduleInput(loaded.model, flat);
      expect(times(simulateDependencies(input, deps))).toEqual(times(referenceMakespan.simulateDependencies(refInput, deps)));
      expect(times(simulateWaves(input))).toEqual(times(referenceMakespan.simulateWaves(refInput)));
      // Stopped at a cutoff and run on, a simulation gives what one run to the end gives.
      const waves = simulateWaves(input);
      const half = simulateWaves(input, { time: waves.makespan / 2, converging: true });
      if (!Number.isFinite(half.makespan)) {
        const on = resumeSchedule(half)!;
        expect(times(on)).toEqual(times(waves));
        expect(on.waveSeconds).toEqual(waves.waveSeconds);
        expect(resumeSchedule(half, { time: waves.makespan / 4 })).toBeUndefined(); // earlier than where it stopped
      }
      const asap = simulateDependencies(input, deps);
      const early = simulateDependencies(input, deps, { time: asap.makespan / 3 });
      if (!Number.isFinite(early.makespan)) {
        const later = resumeSchedule(early, { time: asap.makespan / 2 })!;
        expect(resumeSchedule(early)).toBeUndefined(); // a later stop came since
        expect(times(resumeSchedule(later) ?? later)).toEqual(times(asap));
      }
      for (const priority of ['chain', 'load'] as const) {
        const mine = listSchedule(input, deps, { priority });
        const theirs = referenceList(refInput, deps, { priority });
        expect(mine.after).toEqual(theirs.after);
        expect(times(mine.schedule)).toEqual(times(theirs.schedule));
        // attachSchedule takes the list schedule's own times for its extended graph's (setup > 0).
        expect(times(mine.schedule)).toEqual(times(simulateDependencies(input, mine.after)));
        if (mine.immediate) {
          // ... and, when every migration started alone as soon as it was ready, for any priority's and for asap's.
          immediate++;
          const other = listSchedule(input, deps, { priority: priority === 'chain' ? 'load' : 'chain' });
          expect(other.after).toEqual(mine.after);
          expect(times(other.schedule)).toEqual(times(mine.schedule));
          expect(times(simulateDependencies(input, deps))).toEqual(times(mine.schedule));
        }
      }
      compared++;
    }), { numRuns: 120, seed: 15 });
    expect(compared).toBeGreaterThan(40);
    expect(immediate).toBeGreaterThan(0);
  });
});
