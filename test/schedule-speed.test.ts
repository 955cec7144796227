/**
 * The schedule simulations of issue 15's fifth round (flat fair-share records, one-buffer event
 * heap, guest profiles and paths in typed arrays, list schedule without an array per channel)
 * give, bit for bit, what the implementation they replaced gives (frozen in
 * test/reference/round4/): inputs, times, convergence, start decisions, where a simulation stops
 * at a cutoff and what it gives when run on. Random plans over racks behind shared uplinks, hosts
 * on links of their own, guests that do not converge even alone, with and without a setup phase.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planMigrations } from '../src/api.js';
import { buildDependencies } from '../src/schedule/dependencies.js';
import { flattenWaves } from '../src/schedule/verify.js';
import { DEFAULT_DURATION_OPTIONS, type DurationOptions } from '../src/schedule/duration.js';
import { guestOf, pathOf, resumeSchedule, scheduleInput, simulateDependencies, simulateWaves, type Cutoff, type Schedule } from '../src/schedule/makespan.js';
import { listSchedule } from '../src/schedule/network-schedule.js';
import * as before from './reference/round4/makespan.js';
import { listSchedule as listBefore } from './reference/round4/network-schedule.js';
import { rackCloud, rackCloudArbitrary } from './rack-clouds.js';

const OPTIONS: DurationOptions[] = [
  DEFAULT_DURATION_OPTIONS,
  { ...DEFAULT_DURATION_OPTIONS, setup: 0 },
  { ...DEFAULT_DURATION_OPTIONS, maxRounds: 3, maxDowntime: 0.3 },
  { ...DEFAULT_DURATION_OPTIONS, setup: 0.5, maxRounds: 0 },
];

const caseArbitrary = fc.tuple(rackCloudArbitrary, fc.integer({ min: 0, max: OPTIONS.length - 1 })).map(([cloud, options]) => ({ ...cloud, options }));

const times = (s: Schedule) => ({ start: Array.from(s.start), end: Array.from(s.end), makespan: s.makespan, forced: Array.from(s.forced) });

/** Both simulations stopped at `cutoff`, then run on to the end: the same at the stop and at the end. */
function sameStopsAndEnds(mine: Schedule, theirs: Schedule, later: Cutoff[]): void {
  expect(times(mine)).toEqual(times(theirs));
  for (const cutoff of later) {
    if (Number.isFinite(theirs.makespan)) return;
    const a = resumeSchedule(mine, cutoff);
    const b = before.resumeSchedule(theirs, cutoff);
    expect(a === undefined).toBe(b === undefined);
    if (!a || !b) return;
    expect(times(a)).toEqual(times(b));
    mine = a; theirs = b;
  }
}

describe('schedule simulations against the fourth round', () => {
  it('give the same times, stops, start decisions and convergence on random plans', async () => {
    let compared = 0;
    let stopped = 0;
    let forced = 0;
    await fc.assert(fc.asyncProperty(caseArbitrary, async (p) => {
      let loaded;
      let plan;
      try {
        ({ loaded, plan } = await planMigrations(rackCloud(p)));
      } catch {
        return; // a random target may break capacity: nothing to schedule
      }
      if (plan.status !== 'optimal' && plan.status !== 'feasible') return;
      const flat = flattenWaves(loaded.problem, plan.waves).plan!;
      if (flat.n === 0) return;
      const deps = buildDependencies(loaded.model, flat, { refine: loaded.problem });
      const options = OPTIONS[p.options]!;
      const input = scheduleInput(loaded.model, flat, options);
      const old = before.scheduleInput(loaded.model, flat, options);
      // The same inputs, per migration, as the frozen copy's per-VM profiles and path views.
      expect(Array.from({ length: flat.n }, (_, m) => guestOf(input, m))).toEqual(Array.from(flat.vm, (v) => old.profiles[v]));
      expect(Array.from({ length: flat.n }, (_, m) => pathOf(input.paths, m))).toEqual(old.paths);

      const asap = before.simulateDependencies(old, deps);
      const waves = before.simulateWaves(old);
      expect(times(simulateDependencies(input, deps))).toEqual(times(asap));
      const w = simulateWaves(input);
      expect(times(w)).toEqual(times(waves));
      expect(w.waveSeconds).toEqual(waves.waveSeconds);
      if (before.forcedCount(asap) > 0) forced++;
      for (const f of [0.3, 0.7]) {
        for (const converging of [false, true]) {
          const cut = { time: asap.makespan * f, converging };
          const mine = simulateDependencies(input, deps, cut);
          const theirs = before.simulateDependencies(old, deps, cut);
          if (!Number.isFinite(theirs.makespan)) stopped++;
          sameStopsAndEnds(mine, theirs, [{ time: asap.makespan * (f + 0.2), converging }, {}]);
          const wcut = { time: waves.makespan * f, converging };
          sameStopsAndEnds(simulateWaves(input, wcut), before.simulateWaves(old, wcut), [{}]);
        }
      }
      for (const priority of ['chain', 'load'] as const) {
        for (const cutoff of [{}, { time: asap.makespan * 0.8, converging: true }]) {
          const mine = listSchedule(input, deps, { priority }, cutoff);
          const theirs = listBefore(old, deps, { priority }, cutoff);
          expect(mine.after).toEqual(theirs.after);
          expect(mine.immediate).toBe(theirs.immediate);
          sameStopsAndEnds(mine.schedule, theirs.schedule, [{}]);
        }
      }
      compared++;
    }), { numRuns: 150, seed: 515 });
    expect(compared).toBeGreaterThan(60);
    expect(stopped).toBeGreaterThan(20);
    expect(forced).toBeGreaterThan(5);
  });
});
