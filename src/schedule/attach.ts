/**
 * Gives a verified plan its schedule: per migration the migrations it waits for (`after`,
 * flat indices: wave after wave in plan order, from 0), its estimated start and duration in
 * the dependency-based schedule (`estimatedStart`, `estimatedSeconds`), and
 * `stats.makespan` of the wave-by-wave and the dependency-based schedules, with lower bounds.
 *
 * The dependency-based schedule is the shortest of: each migration as soon as the graph
 * allows (asap), the waves, and (unless the objective is `waves`) the network-aware list
 * schedule (network-schedule.ts), whose start decisions extend `after`. Schedules in which
 * a migration does not converge (its share of bandwidth is below its dirty rate) lose to
 * those in which every migration converges.
 *
 * The graph is checked by verifyDependencyGraph before anything is attached. Where a rule
 * fails there (only rules that count a VM in flight more than a settled one can), the hosts
 * concerned get the strict form of the graph (their arrivals also wait for earlier arrivals)
 * and the graph is checked again.
 */
import type { Plan, Wave } from '../model/plan.js';
import type { FlatPlan } from './dependencies.js';
import type { Model } from '../model/model.js';
import { verifyPlan } from '../verify/replay.js';
import { orderBySchedule } from './network-order.js';
import type { Objective, PolicyDoc } from '../model/instance.js';
import type { Problem, Violation } from '../plugin-api.js';
import { buildDependencies } from './dependencies.js';
import { DEFAULT_DURATION_OPTIONS, type DurationOptions } from './duration.js';
import { forcedCount, resumeSchedule, scheduleInput, simulateDependencies, simulateWaves, type Schedule, type ScheduleInput } from './makespan.js';
import { soloSeconds } from './network-schedule.js';
import { best, candidates, type Candidate, type CandidateSet } from './candidates.js';
import { PARALLEL_FROM, candidatesThread, type CandidatesThread } from './parallel-candidates.js';
import { hostLimitsOf, makespanBounds, namedBounds } from './network-bounds.js';
import { flattenWaves, verifyDependencyGraph, type DependencyCheck } from './verify.js';

export interface AttachResult {
  valid: boolean;
  violations: Violation[];
  /** Hosts that needed the strict graph. */
  strictHosts: number;
  /** Whether the schedules were simulated in a worker thread (attachScheduleInParallel). */
  threaded?: true;
  /** The check run alongside (ParallelOptions.alongside) failed: nothing was attached. */
  stopped?: true;
}

export interface ParallelOptions {
  /** Plans of this many migrations or more get a thread (PARALLEL_FROM). */
  from?: number;
  /**
   * A check of the plan (the replay verifier) run on this thread while the thread simulates,
   * before anything is attached (first, without a thread); when it returns false the attach
   * stops and nothing is attached.
   */
  alongside?: () => boolean;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The policy's objective: its own key, else the engine's `objective` option when that is makespan; cost by default. */
export function objectiveOf(policy: PolicyDoc | undefined): Objective {
  if (policy?.objective) return policy.objective;
  const engine = policy?.engine;
  return typeof engine === 'object' && engine.options?.['objective'] === 'makespan' ? 'makespan' : 'cost';
}

/** The candidate with its schedule simulated to the end (it may have been stopped at a cutoff). */
function finished(c: Candidate, input: ScheduleInput): Candidate {
  if (Number.isFinite(c.schedule.makespan)) return c;
  const schedule = resumeSchedule(c.schedule) ?? (c.kind === 'waves' ? simulateWaves(input) : simulateDependencies(input, c.after));
  return { ...c, schedule, forced: forcedCount(schedule) };
}


/** A rule that is not monotone: the one order the replay verifier checked step by step. */
const notMonotone = (problem: Problem) => problem.rules.some((r) => r.monotone === false);

/** Adds the schedule to `plan` (which must have passed verifyPlan); nothing is attached when the graph fails. */
export function attachSchedule(problem: Problem, plan: Plan, options: DurationOptions = DEFAULT_DURATION_OPTIONS, objective: Objective = 'cost'): AttachResult {
  const flat = flattenWaves(problem, plan.waves);
  if (!flat.plan) return { valid: false, violations: flat.violations, strictHosts: 0 };
  return attachCheckedGraph(problem, plan, flat.plan, checkedGraph(problem, flat.plan), options, objective);
}

/** The rest of attachSchedule, once the graph is checked (nothing attached when it failed). */
function attachCheckedGraph(problem: Problem, plan: Plan, flat: FlatPlan, graph: CheckedGraph, options: DurationOptions, objective: Objective): AttachResult {
  const { check, strictHosts, deps } = graph;
  if (!check.valid) return { valid: false, violations: check.violations, strictHosts };
  const input = scheduleInput(problem.model, flat, options, coldOnly(flat, plan.waves));
  const found = candidates(input, graphsOf(problem, flat, deps, objective), objective);
  return attachChosen({ problem, plan, flat, deps, input, found, options, objective, strictHosts });
}

/**
 * attachSchedule with the same result, but on a plan of `from` migrations or more (and a second
 * core) the schedules are simulated in a worker thread while this thread checks the graph
 * (parallel-candidates.ts), and runs `alongside` (the replay verifier). When the first graph
 * fails its check, as attachSchedule.
 */
export async function attachScheduleInParallel(
  problem: Problem, plan: Plan, options: DurationOptions = DEFAULT_DURATION_OPTIONS, objective: Objective = 'cost', parallel: ParallelOptions = {},
): Promise<AttachResult> {
  const { from = PARALLEL_FROM, alongside = () => true } = parallel;
  const stopped: AttachResult = { valid: false, violations: [], strictHosts: 0, stopped: true };
  const flat = flattenWaves(problem, plan.waves);
  if (!flat.plan || flat.plan.n < from || notMonotone(problem)) return alongside() ? attachSchedule(problem, plan, options, objective) : stopped;
  const thread = await candidatesThread(flat.plan.n, from);
  let deps: number[][];
  let input: ScheduleInput;
  let pending: ReturnType<CandidatesThread['run']>;
  try {
    input = scheduleInput(problem.model, flat.plan, options, coldOnly(flat.plan, plan.waves));
    thread.prepare(input, objective, hostLimitsOf(problem.model));
    deps = buildDependencies(problem.model, flat.plan, { refine: problem });
    pending = thread.run(input, graphsOf(problem, flat.plan, deps, objective), objective);
  } catch (e) {
    thread.cancel();
    // A plan the check rejects need not make a graph: its verdict comes first.
    if (!alongside()) return stopped;
    throw e;
  }
  let check: DependencyCheck | undefined;
  try {
    if (alongside()) check = verifyDependencyGraph(problem, flat.plan, deps);
  } catch (e) {
    thread.cancel(); // a rule that throws: the thread's work is not wanted either
    throw e;
  }
  if (!check?.valid) {
    thread.cancel();
    await pending;
    // The graph fails: refined as attachSchedule refines it, from this first check.
    return check ? attachCheckedGraph(problem, plan, flat.plan, checkedGraph(problem, flat.plan, { deps, check }), options, objective) : stopped;
  }
  const { found, threaded, bounds: indexed } = (await pending)!;
  // The bounds of this graph and input (the thread's): the chosen schedule changes them only when it re-cuts the plan.
  const bounds = { deps, input, value: indexed ? namedBounds(problem.model, input, indexed) : makespanBounds(problem.model, input, deps, soloSeconds(input)) };
  const result = attachChosen({ problem, plan, flat: flat.plan, deps, input, found, options, objective, strictHosts: 0, bounds });
  return threaded ? { ...result, threaded } : result;
}

/** The graphs whose list schedules are tried: the checked one, and where it helps the one-arrival-at-a-time one. */
function graphsOf(problem: Problem, flat: FlatPlan, deps: number[][], objective: Objective): number[][][] {
  const graphs = [deps];
  if (objective !== 'waves') {
    const serial = oneArrivalAtATime(problem, flat);
    if (serial) graphs.push(serial);
  }
  return graphs;
}

interface Attaching {
  problem: Problem; plan: Plan; flat: FlatPlan; deps: number[][]; input: ScheduleInput; found: CandidateSet;
  options: DurationOptions; objective: Objective; strictHosts: number;
  /** The bounds when already computed, for this graph and input. */
  bounds?: { deps: number[][]; input: ScheduleInput; value: Bounds };
}

type Bounds = ReturnType<typeof makespanBounds>;

/** Chooses among the candidates (following the network-aware schedule where it wins) and writes the schedule into the plan. */
function attachChosen(a: Attaching): AttachResult {
  const { problem, plan, options, objective, strictHosts } = a;
  const { model } = problem;
  const { flat } = a;
  let { deps, input } = a;
  const { list } = a.found;
  let planWaves = a.found.waves;
  let waves = planWaves;
  let chosen = best(list);
  const asap = list[0]!.schedule;
  if (chosen.kind === 'network') {
    const fallback = best(list.filter((c) => c.kind !== 'network'));
    // Re-cut waves when that shortens the wave-by-wave schedule too; else only renumber inside waves.
    let followed = followSchedule(problem, plan, flat, deps, chosen, options, planWaves, true);
    // The plan's own waves were only simulated up to the cutoff: finish them, up to the re-cut's.
    if (followed && !Number.isFinite(planWaves.makespan)) {
      const time = followed.waveSchedule.makespan;
      planWaves = resumeSchedule(planWaves, { time }) ?? simulateWaves(input, { time });
    }
    if (!followed || followed.waveSchedule.makespan >= planWaves.makespan) followed = followSchedule(problem, plan, flat, deps, chosen, options, planWaves, false) ?? followed;
    if (followed && beats(followed.candidate, fallback)) {
      ({ input, waveSchedule: waves, candidate: chosen } = followed);
      deps = followed.deps;
      plan.waves = followed.waves;
      plan.stats.waves = followed.waves.length;
    } else chosen = finished(fallback, input);
  }
  // Stopped at the cutoff: the waves' own estimate is still reported.
  if (!Number.isFinite(waves.makespan)) waves = resumeSchedule(waves) ?? resumeSchedule(planWaves) ?? simulateWaves(input);
  const { start, end } = chosen.schedule;
  let m = 0;
  for (const w of plan.waves) {
    for (const mig of w.migrations) {
      mig.after = [...chosen.after[m]!];
      mig.estimatedStart = round3(start[m]!);
      mig.estimatedSeconds = round3(end[m]! - start[m]!);
      m++;
    }
  }
  const known = a.bounds && a.bounds.deps === deps && a.bounds.input === input ? a.bounds.value : undefined;
  const bounds = known ?? makespanBounds(model, input, deps, soloSeconds(input));
  plan.stats.makespan = makespanStats(waves, chosen, asap, bounds);
  notesOf(plan, chosen, asap, waves, input.plan.vm, model);
  if (objective === 'makespan' && plan.engine === 'exact') {
    (plan.notes ??= []).push('the exact engine proves its makespan for waves of migrations each alone on its path; the network-aware estimate (stats.makespan.dependencies) is not proven shortest');
  }
  return { valid: true, violations: [], strictHosts };
}

/** Whether candidate `b` is preferred to `a`: fewer non-converging migrations, else a shorter makespan. */
function beats(b: Candidate, a: Candidate): boolean {
  return b.forced < a.forced || (b.forced === a.forced && b.schedule.makespan < a.schedule.makespan - 1e-9);
}

interface CheckedGraph { deps: number[][]; check: DependencyCheck; strictHosts: number }

/**
 * The dependency graph of the plan, checked (from `first`, its refined graph's check, when given). Refined room first; where a rule fails, the plain
 * room, then the strict graph, on those hosts, then everywhere.
 */
function checkedGraph(problem: Problem, plan: FlatPlan, first?: { deps: number[][]; check: DependencyCheck }): CheckedGraph {
  const { model } = problem;
  let strict = new Set<number>();
  let unrefined = new Set<number>();
  const ordered = notMonotone(problem);
  let deps = first?.deps ?? (ordered ? Array.from({ length: plan.n }, (_, m) => (m ? [m - 1] : [])) : buildDependencies(model, plan, { refine: problem }));
  let check: DependencyCheck = first?.check ?? (ordered ? { valid: true, violations: [], ruleHosts: new Set<number>() } : verifyDependencyGraph(problem, plan, deps));
  for (let attempt = 0; !check.valid && check.ruleHosts.size > 0 && attempt < 3; attempt++) {
    if (attempt === 0) unrefined = new Set(check.ruleHosts);
    else if (attempt === 1) strict = new Set([...unrefined, ...check.ruleHosts]);
    else strict = unrefined = new Set(model.hosts.map((h) => h.index));
    deps = buildDependencies(model, plan, { refine: problem, unrefined: (h) => unrefined.has(h), strict: (h) => strict.has(h) });
    check = verifyDependencyGraph(problem, plan, deps);
  }
  return { deps, check, strictHosts: strict.size };
}

/** stats.makespan: both schedules' estimates, the one chosen, and the lower bounds. */
function makespanStats(waves: Schedule, chosen: Candidate, asap: Schedule, bounds: ReturnType<typeof makespanBounds>): NonNullable<Plan['stats']['makespan']> {
  return {
    waves: round3(waves.makespan), dependencies: round3(chosen.schedule.makespan),
    ...(chosen.kind !== 'asap' && Number.isFinite(asap.makespan) ? { asap: round3(asap.makespan) } : {}),
    schedule: chosen.kind,
    lowerBound: round3(bounds.value),
    bounds: {
      links: round3(bounds.links), ...(bounds.link ? { link: bounds.link } : {}),
      ...(bounds.hosts !== undefined ? { hosts: round3(bounds.hosts) } : {}), ...(bounds.host ? { host: bounds.host } : {}),
      chain: round3(bounds.chain),
    },
    ...(chosen.forced ? { nonConvergent: chosen.forced } : {}),
  };
}

/**
 * Where hosts may take several arrivals at once, the graph built as if each took one at a
 * time: arrivals at a host then wait for one another, and each waits only for the
 * departures that make room for it (the refined room of dependencies.ts), not for every
 * departure of earlier waves. Links often serialise arrivals anyway, so its list schedules
 * may be shorter. Checked against the real problem (its limits are looser); undefined when
 * no host takes several arrivals or the check fails.
 */
function oneArrivalAtATime(problem: Problem, plan: FlatPlan): number[][] | undefined {
  const { model } = problem;
  if (!model.hosts.some((h) => h.maxIncoming > 1)) return undefined;
  const serial: Model = { ...model, hosts: model.hosts.map((h) => ({ ...h, maxIncoming: Math.min(h.maxIncoming, 1) })) };
  const deps = buildDependencies(serial, plan, { refine: { ...problem, model: serial } });
  return verifyDependencyGraph(problem, plan, deps).valid ? deps : undefined;
}

interface Followed { waves: Wave[]; deps: number[][]; input: ScheduleInput; candidate: Candidate; waveSchedule: Schedule }


/**
 * The plan renumbered (`recut`: and re-cut) to follow the network-aware schedule
 * (network-order.ts), checked again by the replay verifier and the graph check; undefined
 * when a check fails (never expected) or when the re-cut waves are not shorter than the
 * plan's own (`planWaves`, when known). Renumbering keeps each wave's migrations: its wave
 * estimate is the plan's.
 */
function followSchedule(
  problem: Problem, plan: Plan, flat: FlatPlan, deps: number[][], chosen: Candidate, options: DurationOptions, planWaves: Schedule, recut: boolean,
): Followed | undefined {
  const r = orderBySchedule(plan.waves, flat, chosen.base, chosen.after, chosen.schedule.start, recut);
  if (!r) return undefined;
  const flatNew = flattenWaves(problem, r.waves).plan;
  if (!flatNew) return undefined;
  const input = scheduleInput(problem.model, flatNew, options, coldOnly(flatNew, r.waves));
  const known = Number.isFinite(planWaves.makespan);
  const waveSchedule = !recut && known ? planWaves : simulateWaves(input, recut && known ? { time: planWaves.makespan } : {});
  if (!Number.isFinite(waveSchedule.makespan)) return undefined;
  if (recut && !verifyPlan(problem, r.waves).valid) return undefined;
  if (!verifyDependencyGraph(problem, flatNew, r.after).valid) return undefined;
  const schedule = simulateDependencies(input, r.after);
  const { index } = r;
  const newDeps: number[][] = Array.from({ length: flat.n }, () => []);
  deps.forEach((list, m) => { newDeps[index[m]!] = list.map((p) => index[p]!); });
  return {
    waves: r.waves, deps: newDeps, input, waveSchedule,
    candidate: { kind: 'network', schedule, after: r.after, forced: forcedCount(schedule), base: r.after },
  };
}

function notesOf(plan: Plan, chosen: Candidate, asap: Schedule, waves: Schedule, vm: Int32Array, model: Model): void {
  const notes = (plan.notes ??= []);
  if (chosen.kind === 'waves') {
    notes.push(`starting each migration as soon as its dependencies end was estimated at ${round3(asap.makespan)} s, longer than the waves (${round3(waves.makespan)} s) because migrations would share links: the migrations' estimated starts are the waves'`);
  } else if (chosen.kind === 'network') {
    const longer = (x: number) => (Number.isFinite(x) ? `${round3(x)} s` : 'longer');
    notes.push(`migrations start when their bandwidth is free (network-aware schedule, ${round3(chosen.schedule.makespan)} s; as soon as the graph allows: ${longer(asap.makespan)}; wave by wave: ${longer(waves.makespan)}): "after" includes these start decisions`);
  }
  if (chosen.forced) {
    const stuck: string[] = [];
    chosen.schedule.forced.forEach((f, m) => { if (f) stuck.push(model.vms[vm[m]!]!.name); });
    notes.push(`${stuck.length} migrations cannot converge live (the guest dirties memory faster than its path copies it, even alone): the round limit forces their stop-and-copy, with a longer pause (${stuck.slice(0, 5).join(', ')}${stuck.length > 5 ? ', ...' : ''})`);
  }
  if (!notes.length) delete plan.notes;
}

/** VMs whose every migration is a cold move (plan v2): timed as one copy of a stopped guest (`flat`: the waves numbered). */
function coldOnly(flat: FlatPlan, waves: readonly Wave[]): ReadonlySet<number> | undefined {
  const cold = new Set<number>();
  const live = new Set<number>();
  let i = 0;
  for (const w of waves) for (const m of w.migrations) (m.action === 'cold' ? cold : live).add(flat.vm[i++]!);
  for (const v of live) cold.delete(v);
  return cold.size ? cold : undefined;
}
