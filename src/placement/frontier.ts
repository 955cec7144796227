/**
 * The trade-off between a target's quality and the cost of the path to it: each strategy
 * under each migration budget (moves, MiB moved, or seconds of estimated makespan). Under a
 * budget the strategy's target is cut down to the longest prefix of its steps
 * (frontier-steps.ts) whose verified path fits; every row is a real plan, replayed by the
 * verifier, never an estimate. Rows no other row beats on quality and cost are marked
 * Pareto-optimal.
 */
import type { PluginRef } from '../model/instance.js';
import { isTransfer, type Plan } from '../model/plan.js';
import type { Model } from '../model/model.js';
import { loadInstance, solveLoaded, type Loaded, type LoadOptions } from '../api.js';
import { InputError, describeValue } from '../io/errors.js';
import { durationOptionsOf } from '../schedule/duration-options.js';
import { migrationSeconds, preCopy, routeBandwidth, vmProfile, type DurationOptions } from '../schedule/duration.js';
import type { EvaluateOptions } from './evaluate.js';
import { frontierSteps, type FrontierGoal, type FrontierSteps, type StepCost } from './frontier-steps.js';
import { targetMetrics } from './metrics.js';
import { retarget, withoutTarget } from './retarget.js';
import { NoTargetError, notesOf } from './strategy.js';

export type { FrontierGoal } from './frontier-steps.js';

export const BUDGET_UNITS = ['moves', 'MiB', 'seconds'] as const;
/** moves: migrations in the plan (parking included); MiB: RAM demand of every migration; seconds: the plan's estimated makespan. */
export type BudgetUnit = (typeof BUDGET_UNITS)[number];

export interface Budgets {
  /** Non-negative amounts, in `unit`; moves are whole numbers. */
  amounts: number[];
  unit: BudgetUnit;
}

export interface FrontierPath {
  status: Plan['status'];
  /** Migrations, parking included. */
  moves: number | null;
  waves: number | null;
  /** RAM demand summed over the migrations (MiB), when the instance has a ram resource. */
  mib: number | null;
  /** Estimated makespan of the plan's dependency schedule (s). */
  makespan: number | null;
  /** Estimated downtime summed over the migrations, each live at its route's bandwidth (pre-copy model, s). */
  downtime: number | null;
  /** The plan's cost under the policy's cost function, and its unit. */
  cost: number | null;
  costUnit: string;
  /** Seconds spent planning this path. */
  seconds: number;
}

export interface FrontierRow {
  strategy: string;
  /** The budget, in `unit`; null: none (the strategy's own target, or as close as its valuable steps go). */
  budget: number | null;
  unit: BudgetUnit;
  status: 'ok' | 'no-target' | 'error';
  /** What quality measures for this strategy (frontier-steps.ts), and its value: lower is better. */
  goal?: FrontierGoal;
  quality?: number;
  /** What the path costs in `unit`: never more than `budget`. */
  spent?: number | null;
  /** Steps of the strategy's target taken, of all its steps. */
  steps?: { taken: number; of: number };
  /** VMs whose target host differs from their placement. */
  vmsMoved?: number;
  hostsUsed?: number;
  hostsFreed?: number;
  /** Per resource, the most loaded host's utilisation (load / usable). */
  maxUtilisation?: Record<string, number>;
  path: FrontierPath | null;
  /** No other row is at least as good on every quality figure (hosts used, each maximum utilisation) and on `spent`, and better on one. */
  pareto: boolean;
  notes: string[];
  /** With the option keepPlans: the row's target (VM -> host) and its verified plan. */
  target?: Record<string, string>;
  plan?: Plan;
}

export interface FrontierOptions extends EvaluateOptions {
  /** Put each row's target and plan on the row (for callers that execute or check them). */
  keepPlans?: boolean;
}

const nameOf = (ref: PluginRef) => (typeof ref === 'string' ? ref : ref.name);

/** Budget amounts as numbers the frontier can use; issues name the amount's position. */
export function budgetIssues(budgets: Budgets): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  if (!BUDGET_UNITS.includes(budgets.unit)) issues.push({ path: '/unit', message: `${describeValue(budgets.unit)} is not a budget unit (${BUDGET_UNITS.join(', ')})` });
  if (!budgets.amounts.length) issues.push({ path: '/amounts', message: 'give at least one budget' });
  budgets.amounts.forEach((x, i) => {
    if (!Number.isFinite(x) || x < 0) issues.push({ path: `/amounts/${i}`, message: `${describeValue(x)} is not a non-negative number` });
    else if (budgets.unit === 'moves' && !Number.isInteger(x)) issues.push({ path: `/amounts/${i}`, message: `${describeValue(x)} is not a whole number of moves` });
  });
  return issues;
}

/** Every strategy under every budget, then without one; rows in that order, strategy by strategy. */
export async function evaluateFrontier(doc: unknown, strategies: PluginRef[], budgets: Budgets, options: FrontierOptions = {}): Promise<FrontierRow[]> {
  const issues = budgetIssues(budgets);
  if (issues.length) throw new InputError('budgets', issues);
  const base = await loadInstance(withoutTarget(doc), options);
  if (budgets.unit === 'MiB' && base.model.resources.indexOf('ram') < 0) {
    throw new InputError('budgets', [{ path: '/unit', message: 'budgets in MiB count the demand of resource "ram", which this instance does not have' }]);
  }
  const loadOptions: LoadOptions = { ...options, kernel: base.kernel, pluginDirs: [] };
  const rows: FrontierRow[] = [];
  for (const ref of strategies) rows.push(...await strategyRows(doc, ref, budgets, loadOptions, options));
  markPareto(rows);
  return rows;
}

async function strategyRows(doc: unknown, ref: PluginRef, budgets: Budgets, loadOptions: LoadOptions, options: FrontierOptions): Promise<FrontierRow[]> {
  const { timeLimit } = options;
  const strategy = nameOf(ref);
  let frontier: StrategyFrontier;
  try {
    const r = await retarget(doc, loadOptions, ref, { timeLimit });
    frontier = new StrategyFrontier(r.source, r.target, budgets.unit, loadOptions, timeLimit, notesOf(r.source.strategy));
  } catch (e) {
    if (e instanceof InputError) throw e; // a bad strategy name or options: not a result
    const status = e instanceof NoTargetError ? 'no-target' : 'error';
    const failed = (budget: number | null): FrontierRow => ({ strategy, budget, unit: budgets.unit, status, path: null, pareto: false, notes: [(e as Error).message.split('\n')[0]!] });
    return [...budgets.amounts.map(failed), failed(null)];
  }
  const chosen = new Map<number, number>();
  let lo = 0;
  for (const amount of [...new Set(budgets.amounts)].sort((a, b) => a - b)) {
    lo = await frontier.longestWithin(amount, lo);
    chosen.set(amount, lo);
  }
  const rows: FrontierRow[] = [];
  for (const amount of budgets.amounts) rows.push(await frontier.row(strategy, amount, chosen.get(amount)!, options.keepPlans));
  rows.push(await frontier.row(strategy, null, frontier.steps.steps.length, options.keepPlans));
  return rows;
}

interface Probe {
  target: Int32Array;
  plan: Plan;
  path: FrontierPath;
  spent: number | null;
}

/** One strategy's steps, and the verified path to each prefix of them, planned once each. */
class StrategyFrontier {
  readonly steps: FrontierSteps;
  private readonly probes = new Map<number, Promise<Probe>>();
  private readonly duration: DurationOptions;

  constructor(private readonly source: Loaded, private readonly target: Int32Array, private readonly unit: BudgetUnit,
    private readonly loadOptions: LoadOptions, private readonly timeLimit: number | undefined, private readonly strategyNotes: string[]) {
    this.duration = durationOptionsOf(source.policy, source.kernel);
    this.steps = frontierSteps(source.problem, target, stepCost(source.model, target, unit, this.duration));
  }

  /** The longest prefix whose path fits `amount`, searching from `lo` (known to fit); plans found not to fit are kept for the notes. */
  async longestWithin(amount: number, lo: number): Promise<number> {
    let hi = this.steps.steps.length;
    while (hi > lo && this.lowerBound(hi) > amount) hi--;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits((await this.probe(mid)).spent, amount)) lo = mid;
      else hi = mid - 1;
    }
    if (lo === 0) await this.probe(0); // every row has its verified plan, the empty one too
    return lo;
  }

  /** No path to the prefix can cost less: each of its VMs moves at least once (moves, MiB); no bound for seconds. */
  private lowerBound(k: number): number {
    const vms = this.steps.steps.slice(0, k).flat();
    if (this.unit === 'moves') return vms.length;
    if (this.unit === 'MiB') return ramOf(this.source.model, vms);
    return 0;
  }

  probe(k: number): Promise<Probe> {
    let p = this.probes.get(k);
    if (!p) {
      p = this.plan(k);
      this.probes.set(k, p);
    }
    return p;
  }

  private async plan(k: number): Promise<Probe> {
    const { model } = this.source;
    const target = Int32Array.from(model.placement);
    for (const v of this.steps.steps.slice(0, k).flat()) target[v] = this.target[v]!;
    const loaded = await loadInstance({ ...this.source.doc, target: namesOf(model, target) }, this.loadOptions);
    const plan = await solveLoaded(loaded, { timeLimit: this.timeLimit });
    const path = pathOf(loaded, plan, this.duration);
    const spent = this.unit === 'moves' ? path.moves : this.unit === 'MiB' ? path.mib : path.makespan;
    return { target, plan, path, spent };
  }

  async row(strategy: string, budget: number | null, k: number, keepPlan = false): Promise<FrontierRow> {
    const probe = await this.probe(k);
    const m = targetMetrics(this.source.problem, probe.target);
    const found = probe.plan.status === 'optimal' || probe.plan.status === 'feasible';
    const notes = [...(budget === null ? this.strategyNotes : []), ...await this.whyNotFurther(budget, k), ...(probe.plan.notes ?? []), ...(found ? [] : probe.plan.explanation ?? []).slice(0, 3)];
    return {
      strategy, budget, unit: this.unit, status: 'ok', goal: this.steps.goal, quality: this.steps.quality[k]!, spent: probe.spent,
      steps: { taken: k, of: this.steps.steps.length }, vmsMoved: m.moves, hostsUsed: m.hostsUsed, hostsFreed: m.hostsFreed.length,
      maxUtilisation: Object.fromEntries(Object.entries(m.utilisation).map(([r, s]) => [r, s.max])),
      path: probe.path, pareto: false, notes,
      ...(keepPlan ? { target: namesOf(this.source.model, probe.target), plan: probe.plan } : {}),
    };
  }

  /** Why the row stops short of the strategy's target: the next step's cost, or the moves no step takes. */
  private async whyNotFurther(budget: number | null, k: number): Promise<string[]> {
    const K = this.steps.steps.length;
    const notes: string[] = [];
    if (budget !== null && k < K) {
      const next = this.probes.get(k + 1);
      const probe = next ? await next : undefined;
      const atLeast = this.lowerBound(k + 1);
      const why = probe?.spent !== null && probe?.spent !== undefined ? `the next one's path would cost ${round(probe.spent)} ${this.unit}`
        : probe ? `no path to the next one was found (${probe.plan.status})`
          : atLeast > budget ? `the next one needs at least ${round(atLeast)} ${this.unit}` : 'a longer prefix\'s path costs more than the budget';
      notes.push(`${K - k} of ${K} steps left out: ${why}`);
    }
    if (budget === null && this.steps.leftOut) notes.push(`${this.steps.leftOut} of the strategy's moves left out: they do not improve its goal (${this.steps.goal})`);
    return notes;
  }
}

function namesOf(model: Model, target: Int32Array): Record<string, string> {
  const names: Record<string, string> = {};
  model.vms.forEach((vm, v) => { names[vm.name] = model.hosts[target[v]!]!.name; });
  return names;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** A path's cost fits a budget (seconds are estimates: a rounding error never decides). */
const fits = (spent: number | null, amount: number) => spent !== null && spent <= amount + 1e-9 * Math.max(1, amount);

function ramOf(model: Model, vms: readonly number[]): number {
  const r = model.resources.indexOf('ram');
  if (r < 0) return 0;
  return vms.reduce((s, v) => s + model.demand[v * model.resources.length + r]!, 0);
}

/** How the steps are ranked: the moves, their RAM, or the migrations' seconds each alone. */
function stepCost(model: Model, target: Int32Array, unit: BudgetUnit, duration: DurationOptions): StepCost {
  if (unit === 'moves') return (vms) => vms.length;
  if (unit === 'MiB') return (vms) => ramOf(model, vms);
  return (vms) => vms.reduce((s, v) => s + migrationSeconds(model, v, model.placement[v]!, target[v]!, duration), 0);
}

function pathOf(loaded: Loaded, plan: Plan, duration: DurationOptions): FrontierPath {
  const { model } = loaded;
  const found = plan.status === 'optimal' || plan.status === 'feasible';
  const migrations = found ? plan.waves.flatMap((w) => w.migrations) : [];
  const vms = migrations.map((m) => model.vmIndex.get(m.vm)!);
  const downtime = migrations.reduce((s, m, i) => {
    // Disruptive actions carry their own estimate (plan v2); live moves are estimated here.
    if (!isTransfer(m) || m.action === 'cold') return s + (m.estimatedDowntime ?? 0);
    const bandwidth = routeBandwidth(model, model.hostIndex.get(m.from)!, model.hostIndex.get(m.to)!, duration.linkMbps);
    return s + preCopy(vmProfile(model, vms[i]!, duration), bandwidth, duration).downtime;
  }, 0);
  return {
    status: plan.status,
    moves: found ? plan.stats.moves : null,
    waves: found ? plan.waves.length : null,
    mib: found && model.resources.includes('ram') ? ramOf(model, vms) : null,
    makespan: found ? plan.stats.makespan?.dependencies ?? (migrations.length ? null : 0) : null,
    downtime: found ? round(downtime) : null,
    cost: plan.cost, costUnit: loaded.problem.cost.unit, seconds: plan.stats.seconds,
  };
}

/** Marks the rows no other row dominates on (spent, hosts used, each maximum utilisation). */
export function markPareto(rows: FrontierRow[]): void {
  const candidates = rows.filter((r) => r.status === 'ok' && r.spent !== null && r.spent !== undefined);
  const resources = [...new Set(candidates.flatMap((r) => Object.keys(r.maxUtilisation ?? {})))];
  const figures = (r: FrontierRow) => [r.spent!, r.hostsUsed!, ...resources.map((x) => r.maxUtilisation?.[x] ?? 0)];
  const all = candidates.map(figures);
  candidates.forEach((row, i) => {
    const mine = all[i]!;
    row.pareto = !all.some((other, j) => j !== i && other.every((x, d) => x <= mine[d]!) && other.some((x, d) => x < mine[d]!));
  });
}
