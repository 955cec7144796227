/**
 * On a large plan the schedule's candidates are simulated in a worker thread while the main
 * thread checks the dependency graph (src/schedule/parallel-candidates.ts). The plan that comes
 * out is the one the inline computation gives, field for field, whatever the network, limits,
 * objective or convergence; and what crosses to the thread and back is what was sent.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc, Objective } from '../src/model/instance.js';
import type { Plan } from '../src/model/plan.js';
import type { SanityRule, Violation } from '../src/plugin-api.js';
import { planMigrations } from '../src/api.js';
import { attachSchedule, attachScheduleInParallel } from '../src/schedule/attach.js';
import { verifyPlan } from '../src/verify/replay.js';
import { buildDependencies } from '../src/schedule/dependencies.js';
import { flattenWaves } from '../src/schedule/verify.js';
import { scheduleInput } from '../src/schedule/makespan.js';
import { candidates, earlyWaves } from '../src/schedule/candidates.js';
import { graphFreeBound, hostLimitsOf, indexedBounds, makespanBounds, namedBounds } from '../src/schedule/network-bounds.js';
import { soloSeconds } from '../src/schedule/network-schedule.js';
import { decodeGraphs, decodeInput, decodeReply, encodeGraphs, encodeInput, encodeReply, pack, unpackArrays, unpackViews } from '../src/schedule/candidates-wire.js';
import { DEFAULT_DURATION_OPTIONS } from '../src/schedule/duration.js';
import { rackCloud, rackCloudArbitrary, type RackCloud } from './rack-clouds.js';

const OBJECTIVES: Objective[] = ['cost', 'makespan', 'waves'];

const cloudArbitrary = fc.tuple(rackCloudArbitrary, fc.constantFrom(...OBJECTIVES)).map(([c, objective]) => ({ ...c, objective }));

/** A random rack cloud (rack-clouds.ts) planned for `objective`. */
const cloud = (p: RackCloud & { objective: Objective }): InstanceDoc => ({ ...rackCloud(p), policy: { objective: p.objective } });

/** The plan as an engine returns it: no dependencies, estimates or makespans. */
function unscheduled(plan: Plan): Plan {
  const copy = structuredClone(plan);
  for (const w of copy.waves) for (const m of w.migrations) { delete m.after; delete m.estimatedStart; delete m.estimatedSeconds; }
  delete copy.stats.makespan;
  delete copy.notes;
  return copy;
}

describe('schedule candidates computed in a worker thread', () => {
  it('give the plan the inline computation gives, on random plans', async () => {
    let compared = 0;
    await fc.assert(fc.asyncProperty(cloudArbitrary, async (p) => {
      let loaded;
      let plan;
      try {
        ({ loaded, plan } = await planMigrations(cloud(p)));
      } catch {
        return; // a random target may break capacity: nothing to schedule
      }
      if (plan.status !== 'optimal' && plan.status !== 'feasible') return;
      const inline = unscheduled(plan);
      const threaded = unscheduled(plan);
      const a = attachSchedule(loaded.problem, inline, DEFAULT_DURATION_OPTIONS, p.objective);
      // from 0: every plan gets a thread.
      const b = await attachScheduleInParallel(loaded.problem, threaded, DEFAULT_DURATION_OPTIONS, p.objective, { from: 0 });
      expect(b).toEqual({ ...a, threaded: true });
      expect(threaded).toEqual(inline);
      compared++;
    }), { numRuns: 40, seed: 7 });
    expect(compared).toBeGreaterThan(20);
  }, 120_000);

  it('simulate the waves early (while the graph is built) and end with the same candidates', async () => {
    let withBound = 0;
    await fc.assert(fc.asyncProperty(cloudArbitrary, fc.double({ min: 0, max: 3, noNaN: true }), async (p, scale) => {
      let loaded;
      let plan;
      try {
        ({ loaded, plan } = await planMigrations(cloud(p)));
      } catch {
        return;
      }
      if (plan.status !== 'optimal' && plan.status !== 'feasible') return;
      const flat = flattenWaves(loaded.problem, plan.waves).plan!;
      if (flat.n === 0) return;
      const deps = buildDependencies(loaded.model, flat, { refine: loaded.problem });
      const expected = candidates(scheduleInput(loaded.model, flat), [deps], p.objective);
      const bound = graphFreeBound(hostLimitsOf(loaded.model), scheduleInput(loaded.model, flat));
      if (bound > 0) withBound++;
      // Stopped at the start, at the bound, before or after it, past every cutoff (then simulated afresh).
      for (const time of [0, bound, bound * scale, 1e12]) {
        const input = scheduleInput(loaded.model, flat);
        expect(candidates(input, [deps], p.objective, earlyWaves(input, time))).toEqual(expected);
      }
    }), { numRuns: 40, seed: 9 });
    expect(withBound).toBeGreaterThan(20);
  }, 120_000);

  it('give up the thread and schedule as inline when the first graph breaks a rule', async () => {
    let fallbacks = 0;
    await fc.assert(fc.asyncProperty(cloudArbitrary, async (p) => {
      let loaded;
      let plan;
      try {
        ({ loaded, plan } = await planMigrations(cloud({ ...p, limits: 1 })));
      } catch {
        return;
      }
      if (plan.status !== 'optimal' && plan.status !== 'feasible') return;
      // A rule that counts VMs in flight on both hosts: at most as many VMs on a host as it has
      // before or after the plan, which orders the graph allows (an arrival before an
      // unrelated departure) can break.
      const { model } = loaded;
      const cap = new Int32Array(model.hosts.length);
      const before = new Int32Array(model.hosts.length);
      const after = new Int32Array(model.hosts.length);
      model.vms.forEach((_, v) => { before[model.placement[v]!]!++; after[model.target[v]!]!++; });
      cap.forEach((_, h) => { cap[h] = Math.max(before[h]!, after[h]!); });
      const counted: SanityRule = {
        name: 'count',
        check(state, hosts) {
          const out: Violation[] = [];
          for (const h of hosts ?? model.hosts.map((x) => x.index)) {
            const n = [...state.vmsOn(h)].length;
            if (n > cap[h]!) out.push({ rule: 'count', message: `${n} VMs on ${model.hosts[h]!.name}`, host: model.hosts[h]!.name });
          }
          return out;
        },
        admits: (state, _vm, h) => [...state.vmsOn(h)].length < cap[h]!,
      };
      const problem = { ...loaded.problem, rules: [...loaded.problem.rules, counted] };
      const inline = unscheduled(plan);
      const threaded = unscheduled(plan);
      const a = attachSchedule(problem, inline, DEFAULT_DURATION_OPTIONS, p.objective);
      const b = await attachScheduleInParallel(problem, threaded, DEFAULT_DURATION_OPTIONS, p.objective, { from: 0 });
      if (!a.valid || a.strictHosts > 0) {
        fallbacks++;
        expect(b).toEqual(a);
      } else expect(b).toEqual({ ...a, threaded: true });
      expect(threaded).toEqual(inline);
    }), { numRuns: 40, seed: 8 });
    expect(fallbacks).toBeGreaterThan(3);
  }, 120_000);

  it('stop before attaching anything when the check run alongside rejects the plan', async () => {
    const { loaded, plan } = await planMigrations(cloud({ racks: 2, perRack: 4, ownLink: 1, vms: 40, seed: 11, limits: 2, rackMbps: 4000, objective: 'cost' }));
    // Every VM sent back where it came from at the end: an end state that is not the target.
    const broken = unscheduled(plan);
    broken.waves.push({ migrations: broken.waves.flatMap((w) => w.migrations).map((m) => ({ ...m, from: m.to, to: m.from })) });
    const untouched = structuredClone(broken);
    let replayed = false;
    const alongside = () => { replayed = true; return verifyPlan(loaded.problem, broken.waves).valid; };
    for (const from of [0, Infinity]) {
      replayed = false;
      const result = await attachScheduleInParallel(loaded.problem, broken, DEFAULT_DURATION_OPTIONS, 'cost', { from, alongside });
      expect(replayed).toBe(true);
      expect(result).toEqual({ valid: false, violations: [], strictHosts: 0, stopped: true });
      expect(broken).toEqual(untouched);
    }
  });

  it('pass on the error of a rule that throws, with the thread stopped', async () => {
    const { loaded, plan } = await planMigrations(cloud({ racks: 2, perRack: 4, ownLink: 1, vms: 40, seed: 11, limits: 2, rackMbps: 4000, objective: 'cost' }));
    const failing: SanityRule = { name: 'failing', check: () => { throw new Error('rule failed'); }, admits: () => true };
    const problem = { ...loaded.problem, rules: [...loaded.problem.rules, failing] };
    for (const alongside of [undefined, () => verifyPlan(problem, plan.waves).valid]) {
      await expect(attachScheduleInParallel(problem, unscheduled(plan), DEFAULT_DURATION_OPTIONS, 'cost', { from: 0, alongside })).rejects.toThrow('rule failed');
    }
  });

  it('cross to the thread and back unchanged', async () => {
    const doc = cloud({ racks: 2, perRack: 4, ownLink: 1, vms: 40, seed: 11, limits: 2, rackMbps: 4000, objective: 'cost' });
    const { loaded, plan } = await planMigrations(doc);
    const flat = flattenWaves(loaded.problem, plan.waves).plan!;
    const deps = buildDependencies(loaded.model, flat, { refine: loaded.problem });
    const input = scheduleInput(loaded.model, flat);
    const back = { ...decodeInput(structuredClone(encodeInput(input, 'cost', hostLimitsOf(loaded.model)))), graphs: decodeGraphs(structuredClone(encodeGraphs([deps]))) };
    expect(back.objective).toBe('cost');
    expect(back.input.paths).toEqual(input.paths);
    expect(back.input.guests).toEqual(input.guests);
    expect(back.input.network.hostLinks.map((x) => Array.from(x))).toEqual(input.network.hostLinks.map((x) => Array.from(x)));
    expect(back.graphs).toEqual([deps]);
    // The thread's bounds, from the plain host limits, are the ones computed here from the model.
    const indexed = indexedBounds(back.limits, back.input, back.graphs[0]!, soloSeconds(back.input));
    const here = makespanBounds(loaded.model, input, deps, soloSeconds(input));
    expect(here.hosts).toBeGreaterThan(0);
    expect(namedBounds(loaded.model, input, structuredClone(indexed))).toEqual(here);
    const found = candidates(input, [deps], 'cost');
    const { reply } = encodeReply(found, [deps], indexed);
    const decoded = decodeReply(structuredClone(reply), [deps]);
    expect(decoded).toEqual(found);
    // The graphs the job was given come back as the caller's own objects (compared by identity).
    expect(decoded.list.find((c) => c.kind === 'asap')!.after).toBe(deps);
  });

  it('pack lists of integers without losing empty lists or order', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.integer({ min: -5, max: 1 << 20 }), { maxLength: 6 }), { maxLength: 30 }), (lists) => {
      expect(unpackArrays(structuredClone(pack(lists)))).toEqual(lists);
      expect(unpackViews(pack(lists)).map((v) => Array.from(v))).toEqual(lists);
    }));
  });
});
