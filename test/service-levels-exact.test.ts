/**
 * The exact engine under service-level rules: its rows say what the rules say, and on
 * small clouds (the fuzz family `sla`) it agrees with the heuristic and with the fuzz
 * oracle's exhaustive search (which counts moves against budgets) on feasibility and cost.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import type { PolicyDoc } from '../src/model/instance.js';
import { loadInstance, planMigrations } from '../src/api.js';
import { TimeIndexedModel } from '../src/exact/time-indexed.js';
import { generateInstance } from '../bench/fuzz/generate.js';
import { solveByOracle } from '../bench/fuzz/oracle.js';
import { cloud, load } from './helpers.js';

const swap = (policy: PolicyDoc) => cloud({
  hosts: { a: { ram: 100 }, b: { ram: 100 }, spare: { capacity: { ram: 100 }, attributes: { bandwidth: 100 } } },
  vms: { x: { ram: 80 }, y: { demand: { ram: 60 }, sla: { maxDowntimeMs: 100 }, attributes: { dirtyRate: 50 } } },
  at: { x: 'a', y: 'b' },
  to: { x: 'b', y: 'a' },
  policy,
});
const X = 0;
const Y = 1;
const [A, B, SPARE] = [0, 1, 2];
const parkY = [[{ vm: Y, from: B, to: SPARE }], [{ vm: X, from: A, to: B }], [{ vm: Y, from: SPARE, to: A }]];

describe('the time-indexed rows of the service-level rules', () => {
  const rows = async (rule: string, options?: Record<string, unknown>) => {
    const { problem } = await load(swap({ rules: [options ? { name: rule, options } : rule] }));
    const own = problem.rules.filter((r) => r.name === rule);
    const ip = new TimeIndexedModel({ ...problem, rules: own }, { waves: 3, classOf: () => 'flexible', costWeight: 1, waveWeight: 1 });
    return { ip, broken: (waves: typeof parkY) => ip.brokenRows(ip.encode(waves)!, (r) => r.name.startsWith(rule)) };
  };

  it('max-moves: parking a VM with a budget of 1 breaks its row; the same plan with a budget of 2 does not', async () => {
    expect((await rows('max-moves', { vms: ['y'] })).broken(parkY)).toEqual(['max-moves[y]']);
    expect((await rows('max-moves', { vms: ['y'], max: 2 })).broken(parkY)).toEqual([]);
    expect((await rows('max-moves', { vms: ['x'] })).broken(parkY)).toEqual([]);
  });

  it('downtime: a live move the SLA does not allow breaks a row in its wave', async () => {
    const { broken } = await rows('downtime');
    // Both ways over the spare's slow link: to it in wave 1, back from it in wave 3.
    expect(broken(parkY)).toEqual(['downtime[y,b,spare]_1', 'downtime[y,spare,a]_3']);
    const parkX = [[{ vm: X, from: A, to: SPARE }], [{ vm: Y, from: B, to: A }], [{ vm: X, from: SPARE, to: B }]];
    expect(broken(parkX)).toEqual([]);
  });

  it('group-concurrency: two members of a group in one wave break the row of that wave', async () => {
    const doc = swap({ rules: ['group-concurrency'] });
    doc.vms.forEach((v) => { v.group = 'db'; });
    const { problem } = await load(doc);
    const ip = new TimeIndexedModel(problem, { waves: 2, classOf: () => 'flexible', costWeight: 1, waveWeight: 1 });
    const together = [[{ vm: X, from: A, to: SPARE }, { vm: Y, from: B, to: A }], [{ vm: X, from: SPARE, to: B }]];
    expect(ip.brokenRows(ip.encode(together)!, (r) => r.name.startsWith('group'))).toEqual(['group-concurrency[db,1]']);
  });
});

describe('the exact engine on the fuzz family sla', () => {
  // Without the heuristic's exhaustive search, so that the integer program proves costs.
  const mipOnly: PolicyDoc['engine'] = { name: 'exact', options: { heuristic: { searchMaxVms: 0 } } };

  it.each(Array.from({ length: 16 }, (_, i) => i))('instance %i: same feasibility and cost as the oracle and the heuristic', async (index) => {
    const { doc } = await generateInstance('sla', 12, index);
    const { problem } = await loadInstance(doc);
    const truth = solveByOracle(problem);
    expect(truth.status).not.toBe('gave-up');
    const heuristic = (await planMigrations(doc, { timeLimit: 10 })).plan;
    if (truth.status === 'infeasible') {
      expect(heuristic.status).toBe('infeasible');
      expect((await planMigrations(doc, { timeLimit: 20, policy: { engine: 'exact' } })).plan.status).toBe('infeasible');
      // The integer program alone finds no plan either (it proves none only up to its horizon).
      expect(['infeasible', 'unknown']).toContain((await planMigrations(doc, { timeLimit: 20, policy: { engine: mipOnly } })).plan.status);
      return;
    }
    const proven = (await planMigrations(doc, { timeLimit: 20, policy: { engine: mipOnly } })).plan;
    if (truth.status !== 'feasible') return;
    expect(proven.status).toBe('optimal');
    expect(proven.cost).toBe(truth.optimum);
    expect(heuristic.cost).toBeGreaterThanOrEqual(truth.optimum);
    if (heuristic.status === 'optimal') expect(heuristic.cost).toBe(truth.optimum);
    expect(proven.waves.length).toBeLessThanOrEqual(heuristic.waves.length);
  });
});
