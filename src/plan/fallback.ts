/**
 * What solveLoaded does when the live search finds no plan (and, when cold moves are allowed,
 * with live moves that cannot converge): with permission (`--allow`, policy `allow`), the
 * disruptive plan of disrupt.ts; without it, the same search only to say in the explanation
 * how many VMs a plan would disrupt and which flag permits it.
 */
import type { AllowedAction } from '../model/instance.js';
import type { Model } from '../model/model.js';
import { PLAN_FORMAT_VERSION, type Plan, type Wave } from '../model/plan.js';
import type { Engine, Problem } from '../plugin-api.js';
import { planDisruptive, markCold, type Disrupted, type LoadReduced } from './disrupt.js';
import { preCopy, routeBandwidth, vmProfile, type DurationOptions } from '../schedule/duration.js';

export interface FallbackInput {
  problem: Problem;
  engine: Engine;
  load: LoadReduced;
  allow: readonly AllowedAction[];
  /** Seconds left for the fallback. */
  timeLimit: number;
}

const ALL: readonly AllowedAction[] = ['cold', 'shelve'];

/** True when some VM's sla permits an action the run may use. */
export function mayDisrupt(model: Model, allow: readonly AllowedAction[]): boolean {
  return model.vms.some((v) => allow.some((a) => v.sla[a] === true));
}

/** The live plan that was not found, replaced by a disruptive one or explained. */
export async function disruptiveFallback(live: Plan, o: FallbackInput): Promise<Plan> {
  if (o.timeLimit <= 0) {
    if (!o.allow.length || !mayDisrupt(o.problem.model, o.allow)) return live;
    return { ...live, explanation: [...(live.explanation ?? []), 'no time was left within the time limit to look for a plan with disruptive actions'] };
  }
  if (o.allow.length && mayDisrupt(o.problem.model, o.allow)) {
    const d = await planDisruptive(o.problem, o.engine, o.load, { allow: o.allow, timeLimit: o.timeLimit, liveInfeasible: live.status === 'infeasible' });
    if (d) return asV2(d, live);
    return { ...live, explanation: [...(live.explanation ?? []), `no plan found either with the disruptive actions allowed (${o.allow.join(', ')}) on the VMs whose sla permits them`] };
  }
  if (!mayDisrupt(o.problem.model, ALL)) return live;
  const d = await planDisruptive(o.problem, o.engine, o.load, { allow: ALL, timeLimit: o.timeLimit, maxSets: 50 });
  return d ? { ...live, explanation: [...(live.explanation ?? []), hint(d)] } : live;
}

/** "3 VMs would have to be disrupted ...; --allow shelve permits it". */
export function hint(d: Disrupted): string {
  const actions = [...new Set(d.plan.waves.flatMap((w) => w.migrations).map((m) => (m.action === 'unshelve' ? 'shelve' : m.action)).filter((a): a is AllowedAction => a === 'cold' || a === 'shelve'))].sort();
  const n = d.vms.length;
  return `a plan exists if ${n} VM${n === 1 ? '' : 's'} may be disrupted (${actions.join(' and ')}: ${d.vms.join(', ')}): rerun with --allow ${actions.join(',')} (or the policy's "allow": [${actions.map((a) => `"${a}"`).join(', ')}]); only VMs whose sla says so are ever disrupted`;
}

/** A disruptive plan in format v2: every step names its action; feasible (the disruption count is least among the sets tried, the cost unproven). */
export function asV2(d: Disrupted, live: Plan): Plan {
  const { waves } = markV2(d.plan);
  const why = live.status === 'infeasible' ? 'no live plan exists (proven)' : 'no live plan was found within the limits';
  const fewest = d.fewestProven ? 'proven the fewest (every smaller set of shelvable VMs was proven infeasible)' : 'the fewest among the sets of VMs tried (not proven)';
  const note = `${why}: ${d.vms.length} VM(s) disrupted (${d.vms.join(', ')}), ${fewest}`;
  const { explanation: _none, ...rest } = d.plan;
  // The reduced instance's waves bound does not hold for the whole plan.
  const { wavesLowerBound: _reduced, ...stats } = rest.stats;
  if (d.fewestProven !== undefined && stats.disruption) stats.disruption = { ...stats.disruption, fewestProven: d.fewestProven };
  return { formatVersion: PLAN_FORMAT_VERSION, ...rest, stats, status: 'feasible', engine: live.engine, waves, notes: [...(live.notes ?? []), ...(d.plan.notes ?? []), note] };
}

/** Format v2 when the plan holds a disruptive action: formatVersion 2 and every step's action spelt out. */
export function markV2(plan: Plan): Plan {
  if (!plan.waves.some((w) => w.migrations.some((m) => m.action !== undefined && m.action !== 'live'))) return plan;
  const waves: Wave[] = plan.waves.map((w) => ({ ...w, migrations: w.migrations.map((m) => (m.action ? m : { ...m, action: 'live' as const })) }));
  return { formatVersion: PLAN_FORMAT_VERSION, ...plan, waves };
}

/**
 * With cold moves allowed: the live moves of VMs whose sla permits cold that a rule does not
 * admit live (`admitsLive`, e.g. the downtime rule) or that cannot converge even alone on their
 * route (the pre-copy model's round limit would force their stop-and-copy) become cold moves.
 * Resources and slots are the same, so the plan stays valid. Returns their VMs.
 */
export function coldWhereNotLive(problem: Problem, waves: Wave[], o: DurationOptions): string[] {
  const { model } = problem;
  return markCold(model, waves, (vm, from, to) =>
    model.vms[vm]!.sla.cold === true && problem.rules.every((r) => r.movable?.(vm) !== false)
    && (problem.rules.some((r) => r.admitsLive?.(vm, from, to) === false)
      || !preCopy(vmProfile(model, vm, o), routeBandwidth(model, from, to, o.linkMbps), o).converged));
}
