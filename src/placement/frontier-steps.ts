/**
 * The order in which a strategy's moves are worth taking when the path to its target is
 * budgeted: from the placement towards the strategy's target, one step at a time, each step
 * the moves out of one host (a host emptied, a hot host relieved), extended by the moves
 * that make room for it when it does not fit alone, chosen by quality gained per cost. Every
 * prefix of the steps is a target that satisfies every rule, and quality never gets worse
 * along the prefixes, so a larger budget (a longer prefix) never gives a worse target.
 */
import type { Problem } from '../plugin-api.js';
import { PlacementState } from '../model/state.js';
import { targetMetrics, type ResourceStats, type TargetMetrics } from './metrics.js';
import { sharingRuleOf } from './sharing-tree.js';

/** What the strategy improves, read from its own target: fewer hosts when it frees hosts, else a lower peak utilisation. */
export type FrontierGoal = 'hosts' | 'peak';

/** Weight of the tie-break term: below any step of the primary measure. */
const TIE = 0.001;

const meanOf = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

/** Mean over resources of the most loaded host's utilisation. */
type Quality = Pick<TargetMetrics, 'hostsUsed' | 'utilisation'>;

export function peakOf(m: Quality): number {
  return meanOf(Object.values(m.utilisation).map((s) => s.max));
}

/**
 * The quality of a target on the goal, lower is better: hosts used (ties: lower peak), or
 * peak utilisation (ties: flatter load, the mean standard deviation).
 */
export function qualityOf(goal: FrontierGoal, m: Quality): number {
  if (goal === 'hosts') return m.hostsUsed + TIE * peakOf(m);
  return peakOf(m) + TIE * meanOf(Object.values(m.utilisation).map((s) => s.stddev));
}

export function goalOf(problem: Problem, target: Int32Array): FrontierGoal {
  const before = targetMetrics(problem, problem.model.placement);
  const after = targetMetrics(problem, target);
  return after.hostsUsed < before.hostsUsed ? 'hosts' : 'peak';
}

/**
 * The figures quality needs, as targetMetrics gives them, straight from the state's loads
 * (the greedy asks for them once per candidate); under the sharing rule RAM counts after
 * sharing, which only targetMetrics knows.
 */
function qualityIn(problem: Problem, state: PlacementState, goal: FrontierGoal): number {
  if (sharingRuleOf(problem)) return qualityOf(goal, targetMetrics(problem, state.snapshot()));
  const { model, usable } = problem;
  const R = model.resources.length;
  let hostsUsed = 0;
  const stats = Array.from({ length: R }, () => ({ n: 0, max: 0, sum: 0, squares: 0 }));
  for (let h = 0; h < model.hosts.length; h++) {
    if (!state.countOn(h)) continue;
    hostsUsed++;
    for (let r = 0; r < R; r++) {
      const u = usable[h * R + r]!;
      if (!(u > 0) || u === Infinity) continue;
      const x = state.load(h, r) / u;
      const s = stats[r]!;
      s.max = s.n ? Math.max(s.max, x) : x;
      s.n++;
      s.sum += x;
      s.squares += x * x;
    }
  }
  const utilisation: Record<string, ResourceStats> = {};
  stats.forEach((s, r) => {
    if (!s.n) return;
    const mean = s.sum / s.n;
    utilisation[model.resources[r]!] = { max: s.max, mean, stddev: Math.sqrt(Math.max(0, s.squares / s.n - mean * mean)) };
  });
  return qualityOf(goal, { hostsUsed, utilisation });
}

export interface FrontierSteps {
  goal: FrontierGoal;
  /** VMs (indices) each step sends to their target host, in order. */
  steps: number[][];
  /** Quality after each prefix: quality[k] after k steps (quality[0]: the placement). */
  quality: number[];
  /** The strategy's moves no step takes (they would not improve the goal). */
  leftOut: number;
}

/** Cost of sending a set of VMs to their targets, in the budget's terms, for ranking steps only. */
export type StepCost = (vms: readonly number[]) => number;

/** The steps from the placement to `target` (see the module comment). */
export function frontierSteps(problem: Problem, target: Int32Array, cost: StepCost): FrontierSteps {
  const { model } = problem;
  const goal = goalOf(problem, target);
  const state = new PlacementState(model, problem.usable, model.placement);
  const units = unitsBySource(model.placement, target);
  const steps: number[][] = [];
  const quality = [qualityIn(problem, state, goal)];
  for (;;) {
    let best = bestStep(problem, state, target, units, goal, quality.at(-1)!, cost);
    if (!best) break;
    take(state, target, units, best.vms);
    if (!valid(problem, state)) {
      // A rule that looks beyond the hosts a step touches: the rest of the way is one step.
      const rest = [...units.values()].flat();
      take(state, target, units, rest);
      const q = qualityIn(problem, state, goal);
      if (!valid(problem, state) || !(q < quality.at(-1)!)) {
        for (const v of [...best.vms, ...rest]) state.relocate(v, model.placement[v]!);
        for (const v of [...best.vms, ...rest]) addUnit(units, model.placement[v]!, v);
        break;
      }
      best = { ...best, vms: [...best.vms, ...rest], quality: q };
    }
    steps.push(best.vms);
    quality.push(best.quality);
  }
  const rest = [...units.values()].flat();
  if (rest.length) {
    for (const v of rest) state.relocate(v, target[v]!);
    const q = qualityIn(problem, state, goal);
    if (q < quality.at(-1)! && valid(problem, state)) {
      steps.push(rest);
      quality.push(q);
      units.clear();
    } else {
      for (const v of rest) state.relocate(v, model.placement[v]!);
    }
  }
  return { goal, steps, quality, leftOut: [...units.values()].flat().length };
}

/** The strategy's moves, grouped by the host each VM leaves. */
function unitsBySource(placement: Int32Array, target: Int32Array): Map<number, number[]> {
  const units = new Map<number, number[]>();
  for (let v = 0; v < target.length; v++) if (target[v] !== placement[v]) addUnit(units, placement[v]!, v);
  return units;
}

function addUnit(units: Map<number, number[]>, host: number, vm: number): void {
  const list = units.get(host) ?? [];
  list.push(vm);
  units.set(host, list);
}

function take(state: PlacementState, target: Int32Array, units: Map<number, number[]>, vms: readonly number[]): void {
  const taken = new Set(vms);
  for (const v of vms) state.relocate(v, target[v]!);
  for (const [h, list] of units) {
    const left = list.filter((v) => !taken.has(v));
    if (left.length) units.set(h, left);
    else units.delete(h);
  }
}

interface Candidate { vms: number[]; quality: number; score: number; cost: number }

/** The step with the best quality gained per cost, among the hosts' units and what they need; undefined when none gains. */
function bestStep(problem: Problem, state: PlacementState, target: Int32Array, units: Map<number, number[]>, goal: FrontierGoal, now: number, cost: StepCost): Candidate | undefined {
  let best: Candidate | undefined;
  for (const source of units.keys()) {
    const vms = closure(problem, state, target, units, source);
    if (!vms) continue;
    for (const v of vms) state.relocate(v, target[v]!);
    const quality = qualityIn(problem, state, goal);
    for (const v of vms) state.relocate(v, problem.model.placement[v]!);
    const gain = now - quality;
    if (!(gain > 0)) continue;
    const c = Math.max(cost(vms), Number.MIN_VALUE);
    const score = gain / c;
    if (!best || score > best.score || (score === best.score && c < best.cost)) best = { vms, quality, score, cost: c };
  }
  return best;
}

/**
 * The moves out of `source`, plus the moves out of every host they would overload (or that
 * another rule finds broken), until the target so far satisfies every rule; undefined when
 * even every remaining move together does not (it then takes no step).
 */
function closure(problem: Problem, state: PlacementState, target: Int32Array, units: Map<number, number[]>, source: number): number[] | undefined {
  const hosts = new Set<number>([source]);
  for (;;) {
    const vms = [...hosts].flatMap((h) => units.get(h) ?? []);
    for (const v of vms) state.relocate(v, target[v]!);
    const touched = new Set<number>(vms.flatMap((v) => [problem.model.placement[v]!, target[v]!]));
    const broken = problem.rules.flatMap((r) => r.check(state, touched));
    for (const v of vms) state.relocate(v, problem.model.placement[v]!);
    if (!broken.length) return vms;
    const more = broken.map((b) => (b.host === undefined ? -1 : problem.model.hostIndex.get(b.host) ?? -1));
    const next = more.filter((h) => h >= 0 && units.has(h) && !hosts.has(h));
    if (next.length) for (const h of next) hosts.add(h);
    else if (hosts.size < units.size) for (const h of units.keys()) hosts.add(h);
    else return undefined;
  }
}

/** Every rule on every host (checked once per step taken: the touched hosts' check can miss rules that look wider). */
function valid(problem: Problem, state: PlacementState): boolean {
  return problem.rules.every((r) => r.check(state).length === 0);
}
