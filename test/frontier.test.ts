/**
 * `shunt evaluate --budgets`: each strategy under migration budgets. Every row is a verified
 * plan whose cost stays within its budget, a larger budget never gives a worse target on
 * the strategy's goal, and the table and --json say the same.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InstanceDoc } from '../src/model/instance.js';
import type { Plan } from '../src/model/plan.js';
import { verifyAgainst } from '../src/api.js';
import { evaluateFrontier, markPareto, type BudgetUnit, type FrontierRow } from '../src/placement/frontier.js';
import { frontierSteps } from '../src/placement/frontier-steps.js';
import { PlacementState } from '../src/model/state.js';
import { retarget } from '../src/placement/retarget.js';
import { generateCloud } from '../bench/generate.js';
import { cli, cloud, load } from './helpers.js';
import fc from 'fast-check';

const CLOUD20 = join(__dirname, '..', 'examples', 'cloud-20.json');
const clouds = [1, 2, 3].map((seed) => generateCloud({ hosts: 10, seed, small: true, fill: 0.5, fillJitter: 0.2 }));
const BUDGETS: Record<BudgetUnit, number[]> = { moves: [12, 0, 3, 6, 24], MiB: [0, 8192, 20480, 65536], seconds: [0, 20, 60, 200] };

/** What a plan costs in a budget's unit, recomputed from the plan itself. */
function spentBy(plan: Plan, doc: InstanceDoc, unit: BudgetUnit): number {
  const migrations = plan.waves.flatMap((w) => w.migrations);
  if (unit === 'moves') return migrations.length;
  if (unit === 'MiB') return migrations.reduce((s, m) => s + (doc.vms.find((v) => v.name === m.vm)!.demand.ram ?? 0), 0);
  return migrations.reduce((end, m) => Math.max(end, m.estimatedStart! + m.estimatedSeconds!), 0);
}

const byBudget = (rows: FrontierRow[], strategy: string) =>
  rows.filter((r) => r.strategy === strategy).sort((a, b) => (a.budget ?? Infinity) - (b.budget ?? Infinity));

describe('evaluate --budgets: the frontier of target quality against path cost', () => {
  for (const unit of ['moves', 'MiB', 'seconds'] as const) {
    it(`gives every strategy and budget a verified plan that costs at most the budget (${unit})`, async () => {
      for (const doc of clouds) {
        const rows = await evaluateFrontier(doc, ['consolidate', 'rebalance'], { amounts: BUDGETS[unit], unit }, { source: 'test', keepPlans: true });
        expect(rows).toHaveLength(2 * (BUDGETS[unit].length + 1));
        for (const row of rows) {
          expect(row.status).toBe('ok');
          expect(row.path!.status === 'optimal' || row.path!.status === 'feasible').toBe(true);
          const check = await verifyAgainst({ ...doc, target: row.target }, row.plan, { source: 'test' });
          expect(check.violations).toEqual([]);
          const spent = spentBy(row.plan!, doc, unit);
          expect(spent).toBeCloseTo(row.spent!, 6);
          if (row.budget !== null) expect(spent).toBeLessThanOrEqual(row.budget + 1e-9);
        }
      }
    });
  }

  it('never gives a worse target on the strategy\'s goal for a larger budget', async () => {
    for (const doc of clouds) {
      for (const unit of ['moves', 'MiB'] as const) {
        const rows = await evaluateFrontier(doc, ['consolidate', 'rebalance'], { amounts: BUDGETS[unit], unit }, { source: 'test' });
        for (const strategy of ['consolidate', 'rebalance']) {
          const line = byBudget(rows, strategy);
          for (let i = 1; i < line.length; i++) {
            expect(line[i]!.quality!).toBeLessThanOrEqual(line[i - 1]!.quality!);
            expect(line[i]!.steps!.taken).toBeGreaterThanOrEqual(line[i - 1]!.steps!.taken);
            if (line[i]!.goal === 'hosts') expect(line[i]!.hostsUsed!).toBeLessThanOrEqual(line[i - 1]!.hostsUsed!);
          }
        }
      }
    }
  });

  it('frees hosts step by step as the budget grows when consolidating a half-empty cloud', async () => {
    const rows = await evaluateFrontier(clouds[0]!, ['consolidate'], { amounts: [0, 24], unit: 'moves' }, { source: 'test' });
    const [none, ample, free] = rows;
    expect(none!.hostsUsed).toBe(10);
    expect(ample!.hostsUsed!).toBeLessThan(10);
    expect(free!.budget).toBeNull();
    expect(free!.hostsUsed).toBe(ample!.hostsUsed);
  });

  it('keeps the current placement under a budget of 0', async () => {
    const r = await cli(['evaluate', CLOUD20, '--strategies', 'consolidate,rebalance', '--budgets', '0', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as FrontierRow[];
    const zero = rows.filter((x) => x.budget === 0);
    expect(zero).toHaveLength(2);
    for (const row of zero) {
      expect(row.vmsMoved).toBe(0);
      expect(row.path).toMatchObject({ status: 'optimal', moves: 0, mib: 0, makespan: 0, downtime: 0 });
      expect(row.hostsUsed).toBe(20);
      expect(row.spent).toBe(0);
    }
  });

  it('prints the rows of --json as its table, Pareto marks included', async () => {
    const args = ['evaluate', CLOUD20, '--strategies', 'consolidate,rebalance', '--budgets', '0,2,10,40', '--budget-unit', 'moves'];
    const table = await cli(args);
    const json = await cli([...args, '--json']);
    expect(table.code).toBe(0);
    const rows = JSON.parse(json.stdout) as FrontierRow[];
    const lines = table.stdout.split('\n');
    const head = lines[0]!.split(/\s{2,}/);
    const body = lines.slice(2, 2 + rows.length).map((l) => l.split(/\s{2,}/));
    expect(head.slice(0, 6)).toEqual(['strategy', 'budget moves', 'spent moves', 'steps', 'hosts', 'freed']);
    expect(lines[2 + rows.length]).toBe('');
    rows.forEach((row, i) => {
      const cells = body[i]!;
      expect(cells[0]).toBe(row.strategy);
      expect(cells[1]).toBe(row.budget === null ? 'none' : String(row.budget));
      expect(Number(cells[2])).toBe(row.spent);
      expect(cells[3]).toBe(`${row.steps!.taken}/${row.steps!.of}`);
      expect(Number(cells[4])).toBe(row.hostsUsed);
      expect(Number(cells[head.indexOf('moves')])).toBe(row.path!.moves);
      expect(cells.at(-1) === '*').toBe(row.pareto);
    });
    expect(rows.some((r) => !r.pareto)).toBe(true);
  });

  it.each([
    [['--budgets', '10,abc'], '--budgets', '"abc"'],
    [['--budgets', '-5'], '--budgets', '"-5"'],
    [['--budgets', '2.5'], '--budgets', 'whole number of moves'],
    [['--budgets', '10,,20'], '--budgets', '""'],
    [['--budgets', '10', '--budget-unit', 'GiB'], '--budget-unit', '"GiB"'],
    [['--budget-unit', 'MiB'], '--budget-unit', 'needs --budgets'],
  ])('refuses %j with exit 2 naming %s and the value', async (flags, flag, value) => {
    const r = await cli(['evaluate', CLOUD20, '--strategies', 'consolidate', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).toContain(value);
    expect(r.stdout).toBe('');
  });

  it('accepts fractional budgets in MiB and seconds', async () => {
    const r = await cli(['evaluate', CLOUD20, '--strategies', 'rebalance', '--budgets', '0,7.5', '--budget-unit', 'seconds', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as FrontierRow[];
    expect(rows.map((x) => x.budget)).toEqual([0, 7.5, null]);
    expect(rows[1]!.spent!).toBeLessThanOrEqual(7.5);
  });

  it('refuses MiB budgets for an instance without a ram resource, naming the unit', async () => {
    const doc = cloud({ hosts: { a: { cpu: 8 }, b: { cpu: 8 } }, vms: { x: { cpu: 2 }, y: { cpu: 2 } }, at: { x: 'a', y: 'b' } });
    await expect(evaluateFrontier(doc, ['consolidate'], { amounts: [1], unit: 'MiB' }, { source: 'test' })).rejects.toThrow(/unit.*ram/);
  });

  it('marks as Pareto-optimal exactly the rows no other row beats on cost and on every quality figure', () => {
    const row = (strategy: string, spent: number, hostsUsed: number, ram: number): FrontierRow => ({
      strategy, budget: spent, unit: 'moves', status: 'ok', spent, hostsUsed, maxUtilisation: { ram }, path: null, pareto: false, notes: [],
    });
    const rows = [row('a', 0, 10, 0.5), row('a', 4, 8, 0.9), row('b', 4, 10, 0.6), row('b', 6, 8, 0.9), row('c', 4, 8, 0.9)];
    markPareto(rows);
    // b@4 is beaten by a@0 (cheaper, as few hosts, cooler); b@6 by a@4; a@4 and c@4 are equal, so neither beats the other.
    expect(rows.map((r) => r.pareto)).toEqual([true, true, false, false, true]);
  });

  it('orders a strategy\'s target into steps whose every prefix keeps every rule and never loses quality', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom(0.5, 0.8), fc.constantFrom('consolidate', 'rebalance'), async (seed, fill, strategy) => {
      const doc = generateCloud({ hosts: 8, seed, small: true, fill, fillJitter: 0.2 });
      const { source, target: chosen } = await retarget(doc, { source: 'test' }, strategy);
      const { model, problem } = source;
      const steps = frontierSteps(problem, chosen, (vms) => vms.length);
      const target = Int32Array.from(model.placement);
      for (const step of steps.steps) {
        for (const v of step) target[v] = chosen[v]!;
        const state = new PlacementState(model, problem.usable, target);
        expect(problem.rules.flatMap((r) => r.check(state))).toEqual([]);
      }
      for (let k = 1; k < steps.quality.length; k++) expect(steps.quality[k]!).toBeLessThan(steps.quality[k - 1]!);
      const misplaced = model.vms.filter((_, v) => chosen[v] !== model.placement[v]).length;
      expect(steps.steps.flat().length + steps.leftOut).toBe(misplaced);
    }), { numRuns: 12 });
  });

  it('takes the moves that make room for a step together with it', async () => {
    // Emptying a needs x on b, which only fits once y has left b for d; y alone frees nothing.
    const doc = cloud({
      hosts: { a: { ram: 10 }, b: { ram: 10 }, c: { ram: 10 }, d: { ram: 10 } },
      vms: { x: { ram: 4 }, y: { ram: 8 }, v: { ram: 1 }, z: { ram: 4 }, w: { ram: 2 } },
      at: { x: 'a', y: 'b', v: 'b', z: 'c', w: 'd' }, to: { x: 'b', y: 'd' },
    });
    const { model, problem } = await load(doc);
    const steps = frontierSteps(problem, model.target, (vms) => vms.length);
    expect(steps.goal).toBe('hosts');
    expect(steps.steps.map((s) => s.map((v) => model.vms[v]!.name).sort())).toEqual([['x', 'y']]);
    expect(steps.quality[1]!).toBeLessThan(steps.quality[0]!);
  });

  it('gives a strategy without a target a row per budget that says why, and exits 4', async () => {
    const r = await cli(['evaluate', CLOUD20, '--strategies', 'evacuate,consolidate', '--with', '{"evacuate": {"hosts": ["cmp0*"], "makeRoom": false}}', '--budgets', '0,60', '--budget-unit', 'seconds', '--json']);
    expect(r.code).toBe(4);
    const rows = JSON.parse(r.stdout) as FrontierRow[];
    const evacuate = rows.filter((x) => x.strategy === 'evacuate');
    expect(evacuate.map((x) => [x.budget, x.status, x.pareto])).toEqual([[0, 'no-target', false], [60, 'no-target', false], [null, 'no-target', false]]);
    expect(evacuate[0]!.notes[0]).toMatch(/fits on no remaining host/);
    expect(rows.filter((x) => x.strategy === 'consolidate').every((x) => x.status === 'ok' && x.spent! <= (x.budget ?? Infinity))).toBe(true);
  });
});
