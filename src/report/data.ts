/**
 * Everything a plan report shows, computed once from the loaded instance and a plan whose
 * replay and dependency graph have been verified (see plan-report.ts): the verdict, each
 * migration with its action and schedule, the waves' spans and the utilisation heat map.
 */
import type { Loaded } from '../api.js';
import type { Plan } from '../model/plan.js';
import { classifyActions, type Action } from './actions.js';
import { HOT_START, replayUtilisation, type Utilisation } from './utilisation.js';
import { linkBandwidth, preCopy, vmProfile, type DurationOptions } from '../schedule/duration.js';

export interface Verdict {
  status: Plan['status'];
  engine: string;
  cost: number | null;
  lowerBound: number | null;
  unit: string;
  waves: number;
  wavesLowerBound: number | null;
  moves: number;
  detours: number | null;
  makespan: Plan['stats']['makespan'] | null;
  /** How the verdict was established, one sentence each. */
  proof: string[];
  explanation: string[];
}

export interface ReportMigration {
  /** Flat index: wave after wave, plan order within a wave, from 0. */
  i: number;
  /** 1-based wave. */
  wave: number;
  vm: string;
  from: string;
  to: string;
  action: Action;
  start: number;
  seconds: number;
  /** Estimated pause of the guest at the end (alone on the slower link). */
  downtime: number;
  /** The VM's demand, e.g. "ram 8192, cpu 4". */
  size: string;
}

export interface PlanReportData {
  kind: 'plan';
  title: string;
  verdict: Verdict;
  notes: string[];
  hosts: string[];
  migrations: ReportMigration[];
  /** Per wave, the span of its migrations in the dependency schedule. */
  waveSpans: { start: number; end: number }[];
  /** End of the last migration. */
  makespan: number;
  utilisation: Utilisation & { hotStart: number };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function verdictOf(loaded: Loaded, plan: Plan, graphChecked: boolean): Verdict {
  const found = plan.status === 'optimal' || plan.status === 'feasible';
  return {
    status: plan.status, engine: plan.engine, cost: plan.cost, lowerBound: plan.lowerBound, unit: loaded.problem.cost.unit,
    waves: plan.waves.length, wavesLowerBound: plan.stats.wavesLowerBound ?? null, moves: plan.stats.moves,
    detours: plan.stats.detours ?? null, makespan: plan.stats.makespan ?? null,
    proof: found ? proofOf(plan, graphChecked) : [plan.status === 'infeasible' ? `proven that no plan exists (${plan.engine} engine)` : `no plan found within the limits; nothing is proven (${plan.engine} engine)`],
    explanation: plan.explanation ?? [],
  };
}

function proofOf(plan: Plan, graphChecked: boolean): string[] {
  const atBound = plan.cost !== null && plan.lowerBound !== null && plan.cost <= plan.lowerBound;
  const exact = plan.stats['exact'] !== undefined;
  const cost = plan.status === 'optimal'
    ? `cost proven optimal by the ${plan.engine} engine${atBound ? ': it equals the lower bound (every misplaced VM moves once)' : exact ? ' (integer program solved to optimality)' : ' (exhaustive search)'}`
    : `cost not proven optimal${plan.lowerBound !== null && plan.cost !== null ? `: at most ${plan.cost - plan.lowerBound} above the lower bound` : ''}`;
  return [
    cost,
    `replayed by the verifier for this report: every rule held before, during and after each of the ${plan.waves.length} waves, within the concurrency limits, ending on the target`,
    ...(graphChecked ? ['the dependency graph was checked: every order it allows keeps every rule'] : []),
  ];
}

export function buildPlanData(loaded: Loaded, plan: Plan, title: string, duration: DurationOptions, graphChecked: boolean): PlanReportData {
  const { model } = loaded;
  const actions = classifyActions(model, plan.waves);
  const R = model.resources.length;
  const migrations: ReportMigration[] = [];
  const waveSpans: { start: number; end: number }[] = [];
  plan.waves.forEach((w, k) => {
    let start = Infinity;
    let end = 0;
    for (const m of w.migrations) {
      const i = migrations.length;
      const v = model.vmIndex.get(m.vm)!;
      // A shelve or unshelve is drawn on its one host.
      const fromName = m.from ?? m.to!;
      const toName = m.to ?? m.from!;
      const from = model.hostIndex.get(fromName)!;
      const to = model.hostIndex.get(toName)!;
      const s = m.estimatedStart ?? 0;
      const d = m.estimatedSeconds ?? 0;
      const bandwidth = Math.min(linkBandwidth(model, from, duration.linkMbps), linkBandwidth(model, to, duration.linkMbps));
      const size = model.resources.map((r, j) => [r, model.demand[v * R + j]!] as const).filter(([, x]) => x > 0).map(([r, x]) => `${r} ${x}`).join(', ');
      migrations.push({
        i, wave: k + 1, vm: m.vm, from: fromName, to: toName, action: actions[i]!, start: s, seconds: d,
        downtime: round3(m.estimatedDowntime ?? preCopy(vmProfile(model, v, duration), bandwidth, duration).downtime), size,
      });
      start = Math.min(start, s);
      end = Math.max(end, s + d);
    }
    waveSpans.push({ start: Number.isFinite(start) ? start : 0, end });
  });
  const makespan = waveSpans.reduce((x, w) => Math.max(x, w.end), 0);
  return {
    kind: 'plan', title, verdict: verdictOf(loaded, plan, graphChecked), notes: plan.notes ?? [],
    hosts: model.hosts.map((h) => h.name), migrations, waveSpans, makespan,
    utilisation: { ...replayUtilisation(loaded.problem, plan.waves), hotStart: HOT_START },
  };
}
