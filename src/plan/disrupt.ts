/**
 * The disruptive fallback (plan v2), tried when the live search finds no plan. Two ways out:
 *
 * - cold moves: a VM that some rule does not admit live (`admitsLive`, e.g. its downtime SLA)
 *   may move cold when its sla says `cold`; the engine plans with those VMs admitted and their
 *   moves that were not admitted live become `cold`. Cold moves hold resources like live ones,
 *   so they never make an unreachable target reachable by capacity.
 * - shelving: the smallest set of VMs whose sla says `shelve` that, shelved first, leaves the rest
 *   reachable live: sets of 1, then 2, ... (up to `maxShelved`); each is planned by the engine on
 *   the instance without those VMs, framed by shelve waves before and unshelve waves (onto each
 *   VM's target) after, and verified on the whole instance. When no set that small works (or
 *   the search is cut), each independent part (decompose.ts) gets its own smallest set on the
 *   instance restricted to its hosts, and the union is tried on the whole (not proven least:
 *   shelving in one part can make room that links parts).
 *
 * Candidates compare by VMs disrupted, then estimated downtime, then cost. Every plan returned
 * has passed the replay verifier. The number of shelved VMs is proven least when the live problem
 * and every smaller set were proven infeasible (cold moves out of play: they never free room).
 */
import type { InstanceDoc } from '../model/instance.js';
import type { Model } from '../model/model.js';
import type { AllowedAction } from '../model/instance.js';
import type { Migration, Plan, Wave } from '../model/plan.js';
import type { Engine, Problem, SanityRule } from '../plugin-api.js';
import { verifyPlan } from '../verify/replay.js';
import { estimatedDisruption } from '../schedule/downtime.js';
import { independentParts } from './decompose.js';

/** A way to load a reduced instance with the run's plugins and policy (api.ts's loadInstance). */
export type LoadReduced = (doc: InstanceDoc) => Promise<{ problem: Problem; engine: Engine }>;

export interface DisruptOptions {
  allow: readonly AllowedAction[];
  /** The live problem was proven infeasible (a plan needs at least one disruption). */
  liveInfeasible?: boolean;
  /** Seconds for the whole fallback. */
  timeLimit: number;
  /** Largest set of VMs to shelve tried. */
  maxShelved?: number;
  /** Most sets tried per size. */
  maxSets?: number;
}

export interface Disrupted {
  plan: Plan;
  /** VMs stopped (cold-moved or shelved). */
  vms: string[];
  /**
   * True when no plan disrupts fewer VMs: the live problem and every smaller set of shelvable
   * VMs were proven infeasible by the engine (exhaustive enumeration of the smaller sets).
   */
  fewestProven?: boolean;
}

const found = (p: Plan) => p.status === 'optimal' || p.status === 'feasible';

/** The cheapest disruptive plan found within the limits, or undefined. */
export async function planDisruptive(problem: Problem, engine: Engine, load: LoadReduced, o: DisruptOptions): Promise<Disrupted | undefined> {
  const deadline = Date.now() + o.timeLimit * 1000;
  const left = () => Math.max(0.2, (deadline - Date.now()) / 1000);
  const coldOk = o.allow.includes('cold');
  const candidates: Disrupted[] = [];
  if (coldOk && problem.rules.some((r) => r.admitsLive)) {
    const cold = await coldPlan(problem, engine, left());
    if (cold) candidates.push(cold);
  }
  if (o.allow.includes('shelve')) {
    const limit = Math.min(o.maxShelved ?? 3, candidates.length ? candidates[0]!.vms.length : Infinity);
    const coldInPlay = coldOk && problem.rules.some((r) => r.admitsLive);
    const shelved = await shelvePlan(problem, load, { ...o, coldOk, deadline, limit, provable: o.liveInfeasible === true && !coldInPlay });
    if (shelved) candidates.push(shelved);
  }
  return candidates.sort(compareDisrupted)[0];
}

/** Fewest VMs disrupted, then least downtime, then least cost. */
export function compareDisrupted(a: Disrupted, b: Disrupted): number {
  const down = (d: Disrupted) => d.plan.stats.disruption?.downtime.total ?? 0;
  return a.vms.length - b.vms.length || down(a) - down(b) || (a.plan.cost ?? 0) - (b.plan.cost ?? 0);
}

/** The problem with cold-capable VMs admitted live by every rule (their moves become cold). */
function coldAdmitting(problem: Problem): { problem: Problem; needsCold: (vm: number, from: number, to: number) => boolean } {
  const { model } = problem;
  const capable = (vm: number) => model.vms[vm]!.sla.cold === true && problem.rules.every((r) => r.movable?.(vm) !== false);
  const rules = problem.rules.map((r): SanityRule => {
    if (!r.admitsLive) return r;
    const wrapped = Object.create(r) as SanityRule & { admitsLive: SanityRule['admitsLive'] };
    wrapped.admitsLive = (vm, from, to) => capable(vm) || r.admitsLive!(vm, from, to);
    return wrapped;
  });
  const needsCold = (vm: number, from: number, to: number) => capable(vm) && problem.rules.some((r) => r.admitsLive?.(vm, from, to) === false);
  return { problem: { ...problem, rules }, needsCold };
}

/** Marks the moves that need it as cold. */
export function markCold(model: Model, waves: Wave[], needsCold: (vm: number, from: number, to: number) => boolean): string[] {
  const vms = new Set<string>();
  for (const w of waves) {
    w.migrations = w.migrations.map((m): Migration => {
      if (m.action === 'shelve' || m.action === 'unshelve') return m;
      const v = model.vmIndex.get(m.vm)!;
      if (!needsCold(v, model.hostIndex.get(m.from)!, model.hostIndex.get(m.to)!)) return m;
      vms.add(m.vm);
      return { ...m, action: 'cold' };
    });
  }
  return [...vms];
}

async function coldPlan(problem: Problem, engine: Engine, timeLimit: number): Promise<Disrupted | undefined> {
  const cold = coldAdmitting(problem);
  const plan = await engine.solve(cold.problem, { timeLimit });
  if (!found(plan)) return undefined;
  const vms = markCold(problem.model, plan.waves, cold.needsCold);
  const check = verifyPlan(problem, plan.waves);
  if (!check.valid) return undefined;
  return estimated(problem.model, { plan: { ...plan, cost: check.cost }, vms });
}

interface ShelveSearch extends DisruptOptions { coldOk: boolean; deadline: number; limit: number; provable: boolean }

/** Sets of shelvable VMs, smallest first; the first size with a verified plan gives the best of that size. */
async function shelvePlan(problem: Problem, load: LoadReduced, o: ShelveSearch): Promise<Disrupted | undefined> {
  const { model } = problem;
  const shelvable = model.vms.filter((v) => v.sla.shelve === true && problem.rules.every((r) => r.movable?.(v.index) !== false)).map((v) => v.index);
  // Misplaced VMs first, larger first: they are the likeliest to unblock the rest.
  const misplaced = (v: number) => (model.placement[v] !== model.target[v] ? 1 : 0);
  const size = (v: number) => model.demand[v * model.resources.length] ?? 0;
  shelvable.sort((a, b) => misplaced(b) - misplaced(a) || size(b) - size(a) || a - b);
  // Proven so far: no plan shelves fewer than k VMs.
  let proven = o.provable;
  for (let k = 1; k <= Math.min(o.limit, shelvable.length); k++) {
    let best: Disrupted | undefined;
    let tried = 0;
    let complete = true;
    for (const set of subsets(shelvable, k)) {
      if (Date.now() > o.deadline || tried++ >= (o.maxSets ?? 200)) { complete = false; break; }
      const candidate = await withShelved(problem, load, set, o);
      if (candidate === 'infeasible') continue;
      if (candidate === undefined) complete = false;
      else if (!best || compareDisrupted(candidate, best) < 0) best = candidate;
    }
    if (best) return { ...best, fewestProven: proven && best.vms.length === k };
    proven &&= complete;
  }
  return partwise(problem, load, shelvable, o);
}

/** The union of each independent part's smallest set of shelved VMs, tried on the whole instance. */
async function partwise(problem: Problem, load: LoadReduced, shelvable: readonly number[], o: ShelveSearch): Promise<Disrupted | undefined> {
  const { model } = problem;
  const parts = independentParts(problem);
  if (parts.length < 2) return undefined; // one part: the search above was the whole story
  const union: number[] = [];
  for (const part of parts) {
    const hosts = new Set(part.hosts);
    const own = shelvable.filter((v) => hosts.has(model.placement[v]!));
    const doc = restricted(model.source, new Set(part.hosts.map((h) => model.hosts[h]!.name)));
    const set = await smallestPartSet(doc, load, own.map((v) => model.vms[v]!.name), o);
    if (set === undefined) return undefined;
    union.push(...set.map((name) => model.vmIndex.get(name)!));
  }
  if (!union.length || Date.now() > o.deadline) return undefined;
  const whole = await withShelved(problem, load, union, o);
  return typeof whole === 'object' ? { ...whole, fewestProven: false } : undefined;
}

/** Smallest set of these VMs whose shelving lets the engine plan the part's instance live (up to o.limit VMs); undefined if none. */
async function smallestPartSet(doc: InstanceDoc, load: LoadReduced, names: readonly string[], o: ShelveSearch): Promise<string[] | undefined> {
  const indices = names.map((_, i) => i);
  for (let k = 0; k <= Math.min(o.maxShelved ?? 3, names.length); k++) {
    let tried = 0;
    for (const set of subsets(indices, k)) {
      if (Date.now() > o.deadline || tried++ >= (o.maxSets ?? 200)) return undefined;
      const chosen = set.map((i) => names[i]!);
      try {
        const reduced = await load(withoutVms(doc, new Set(chosen)));
        const plan = await reduced.engine.solve(reduced.problem, { timeLimit: Math.max(0.2, Math.min(5, (o.deadline - Date.now()) / 1000)) });
        if (found(plan)) return chosen;
      } catch {
        // a reduced part the loader refuses is no candidate
      }
    }
  }
  return undefined;
}

/** The instance restricted to these hosts and the VMs placed on them (network and other hosts dropped). */
function restricted(doc: InstanceDoc, hosts: ReadonlySet<string>): InstanceDoc {
  const outside = new Set(doc.vms.map((v) => v.name).filter((name) => !hosts.has(doc.placement[name]!)));
  const { network: _links, ...rest } = withoutVms(doc, outside);
  return { ...rest, hosts: doc.hosts.filter((h) => hosts.has(h.name)) };
}

function* subsets(items: readonly number[], k: number, from = 0, chosen: number[] = []): Generator<number[]> {
  if (chosen.length === k) { yield [...chosen]; return; }
  for (let i = from; i <= items.length - (k - chosen.length); i++) {
    chosen.push(items[i]!);
    yield* subsets(items, k, i + 1, chosen);
    chosen.pop();
  }
}

/** The instance without the shelved VMs (their placement and target dropped). */
export function withoutVms(doc: InstanceDoc, names: ReadonlySet<string>): InstanceDoc {
  const keep = <T>(m: Record<string, T> | undefined) => (m === undefined ? undefined : Object.fromEntries(Object.entries(m).filter(([k]) => !names.has(k))));
  return { ...doc, vms: doc.vms.filter((v) => !names.has(v.name)), placement: keep(doc.placement)!, ...(doc.target ? { target: keep(doc.target) } : {}) };
}

/** The plan with this set shelved; 'infeasible' when the engine proves none exists; undefined when none was found. */
async function withShelved(problem: Problem, load: LoadReduced, set: number[], o: ShelveSearch): Promise<Disrupted | 'infeasible' | undefined> {
  const { model } = problem;
  const names = new Set(set.map((v) => model.vms[v]!.name));
  let reduced;
  try {
    reduced = await load(withoutVms(model.source, names));
  } catch {
    return undefined; // the reduced instance breaks a rule that needed those VMs: not a candidate
  }
  const inner = o.coldOk ? coldAdmitting(reduced.problem) : undefined;
  const plan = await reduced.engine.solve(inner?.problem ?? reduced.problem, { timeLimit: Math.max(0.2, Math.min(5, (o.deadline - Date.now()) / 1000)) });
  if (!found(plan)) return plan.status === 'infeasible' ? 'infeasible' : undefined;
  const cold = inner ? markCold(reduced.problem.model, plan.waves, inner.needsCold) : [];
  const waves = [...shelveWaves(model, set), ...plan.waves, ...unshelveWaves(model, set)];
  const check = verifyPlan(problem, waves);
  if (!check.valid) return undefined;
  const detours = (plan.stats.detours ?? 0);
  return estimated(model, {
    plan: { ...plan, waves, cost: check.cost, lowerBound: null, stats: { ...plan.stats, moves: check.moves, waves: waves.length, detours } },
    vms: [...names, ...cold.filter((n) => !names.has(n))],
  });
}

/** The candidate with its disruption estimated on the wave schedule (the caller attaches the final one). */
function estimated(model: Model, d: Disrupted): Disrupted {
  const disruption = estimatedDisruption(model, d.plan);
  if (disruption) d.plan.stats.disruption = disruption;
  return d;
}

/** Waves of shelves from each VM's placement, within the hosts' outgoing limits and maxPerWave. */
function shelveWaves(model: Model, set: readonly number[]): Wave[] {
  return packed(model, set, (v) => model.placement[v]!, 'maxOutgoing', (v) => ({ vm: model.vms[v]!.name, action: 'shelve', from: model.hosts[model.placement[v]!]!.name, to: null }));
}

/** Waves of unshelves onto each VM's target, within the hosts' incoming limits and maxPerWave. */
function unshelveWaves(model: Model, set: readonly number[]): Wave[] {
  return packed(model, set, (v) => model.target[v]!, 'maxIncoming', (v) => ({ vm: model.vms[v]!.name, action: 'unshelve', from: null, to: model.hosts[model.target[v]!]!.name }));
}

function packed(model: Model, set: readonly number[], hostOf: (v: number) => number, limit: 'maxOutgoing' | 'maxIncoming', step: (v: number) => Migration): Wave[] {
  const waves: { migrations: Migration[]; used: Map<number, number> }[] = [];
  for (const v of set) {
    const h = hostOf(v);
    let w = waves.find((x) => x.migrations.length < model.maxPerWave && (x.used.get(h) ?? 0) < model.hosts[h]![limit]);
    if (!w) waves.push(w = { migrations: [], used: new Map() });
    w.migrations.push(step(v));
    w.used.set(h, (w.used.get(h) ?? 0) + 1);
  }
  return waves.map((w) => ({ migrations: w.migrations }));
}
