/**
 * Re-timing crowded plans (issue 15, item 2): forward-backward justification
 * (src/engines/heuristic/justify.ts) on the light per-wave record of retime.ts. It may only
 * move migrations between waves: same migrations, each VM's in the same order, never more
 * waves, and a plan the replay verifier accepts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateCloud } from '../bench/generate.js';
import { greedyWaves } from '../src/engines/heuristic/greedy.js';
import { justifyWaves } from '../src/engines/heuristic/justify.js';
import { retimeEarliest } from '../src/engines/heuristic/retime.js';
import { compactWaves } from '../src/plan/compact.js';
import { movesCost, toWaveDocs, type Move } from '../src/plan/moves.js';
import { verifyPlan } from '../src/verify/replay.js';
import { cloud, load } from './helpers.js';

/** Per VM, its migrations (from -> to) in plan order. */
function journeys(waves: Move[][]): Map<number, string[]> {
  const map = new Map<number, string[]>();
  for (const w of waves) for (const m of w) map.set(m.vm, [...(map.get(m.vm) ?? []), `${m.from}->${m.to}`]);
  return map;
}

/** A greedy plan of a random very full small cloud (the greedy leaves a tail there). */
async function crowdedPlan(hosts: number, seed: number, fill: number) {
  const loaded = await load(generateCloud({ hosts, seed, fill, fillJitter: 0.02, small: true }));
  const greedy = greedyWaves(loaded.problem, { deadline: Infinity, order: 'chains' });
  return { loaded, greedy };
}

describe('re-timing a plan to the earliest waves', () => {
  it('does what wave compaction does, pass for pass, on random full clouds', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 4, max: 14 }), fc.integer({ min: 1, max: 1000 }), fc.constantFrom(0.9, 0.95, 0.98),
      async (hosts, seed, fill) => {
        const { loaded, greedy } = await crowdedPlan(hosts, seed, fill);
        const { problem, model } = loaded;
        const retimed = retimeEarliest(problem, greedy.waves, model.placement, Infinity, Date.now);
        expect(retimed).toEqual(compactWaves(problem, greedy.waves, { passes: 1 }));
      },
    ), { numRuns: 40 });
  });

  it('starts a migration as soon as the room it needs was freed, not before', async () => {
    // x needs z gone from b (8 + 4 > 10): the wave after z's. y would fit on c beside z in flight,
    // but c takes one arrival per wave: also the wave after z's.
    const { problem, model } = await load(cloud({
      hosts: { a: { ram: 10 }, b: { ram: 10 }, c: { ram: 12 }, d: { ram: 10 } },
      vms: { x: { ram: 4 }, y: { ram: 4 }, z: { ram: 8 } },
      at: { x: 'a', y: 'd', z: 'b' },
      to: { x: 'b', y: 'c', z: 'c' },
    }));
    const id = (name: string) => model.vms.findIndex((v) => v.name === name);
    const host = (name: string) => model.hosts.findIndex((h) => h.name === name);
    const mv = (vm: string, from: string, to: string): Move => ({ vm: id(vm), from: host(from), to: host(to) });
    const late = [[mv('z', 'b', 'c')], [], [mv('y', 'd', 'c')], [mv('x', 'a', 'b')]];
    const retimed = retimeEarliest(problem, late, model.placement, Infinity, Date.now);
    expect(retimed.map((w) => w.map((m) => model.vms[m.vm]!.name).sort())).toEqual([['z'], ['x', 'y']]);
  });
});

describe('justification of a crowded plan', () => {
  it('keeps every migration and each VM\'s order, never adds a wave, and replays cleanly', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 4, max: 14 }), fc.integer({ min: 1, max: 1000 }), fc.constantFrom(0.95, 0.98),
      async (hosts, seed, fill) => {
        const { loaded, greedy } = await crowdedPlan(hosts, seed, fill);
        const { problem, model } = loaded;
        const justified = justifyWaves(problem, greedy.waves, { deadline: Infinity, maxCells: 1e7, patience: 4 });
        expect(justified.length).toBeLessThanOrEqual(greedy.waves.length);
        expect(journeys(justified)).toEqual(journeys(greedy.waves));
        expect(movesCost(problem.cost, justified)).toBe(movesCost(problem.cost, greedy.waves));
        expect(verifyPlan(problem, toWaveDocs(model, justified)).valid).toBe(true);
      },
    ), { numRuns: 30 });
  });

  it('cuts the waves of the greedy\'s plan for a cloud filled to 98 % by more than half', async () => {
    const loaded = await load(generateCloud({ hosts: 150, seed: 3, fill: 0.98, fillJitter: 0.01 }));
    const greedy = greedyWaves(loaded.problem, { deadline: Infinity, order: 'chains' });
    const justified = justifyWaves(loaded.problem, greedy.waves, { deadline: Infinity, maxCells: 1e7 });
    expect(justified.length).toBeLessThan(greedy.waves.length / 2);
    expect(verifyPlan(loaded.problem, toWaveDocs(loaded.model, justified)).valid).toBe(true);
  });

  it('returns a plan too long for its memory cap as it is', async () => {
    const { loaded, greedy } = await crowdedPlan(10, 7, 0.98);
    // A plan it would otherwise shorten.
    expect(justifyWaves(loaded.problem, greedy.waves, { deadline: Infinity, maxCells: 1e7 }).length).toBeLessThan(greedy.waves.length);
    const capped = justifyWaves(loaded.problem, greedy.waves, { deadline: Infinity, maxCells: 1 });
    expect(capped).toEqual(greedy.waves);
  });

  it('stops as soon as the plan has no more waves than their lower bound', async () => {
    const { loaded, greedy } = await crowdedPlan(10, 7, 0.98);
    const atBound = justifyWaves(loaded.problem, greedy.waves, { deadline: Infinity, maxCells: 1e7, floor: greedy.waves.length });
    expect(atBound).toEqual(greedy.waves);
  });
});
