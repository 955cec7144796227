/**
 * The scopes the exact engine proves one at a time: the independent parts of the
 * instance (src/plan/decompose.ts), each with its share of the heuristic's plan and of
 * the proven bounds, or the whole instance when it does not split.
 */
import type { Problem } from '../plugin-api.js';
import type { Move } from '../plan/moves.js';
import { movesCost } from '../plan/moves.js';
import type { Bounds } from '../plan/bounds.js';
import type { Part } from '../plan/decompose.js';
import type { Scope, ScopePlan } from './scope-solver.js';

const near = (a: number, b: number) => a <= b + 1e-9 * Math.max(1, Math.abs(b));

/** The moves of the given VMs, in their waves (empty waves dropped: still a valid plan of an independent part). */
export function restrictPlan(waves: Move[][], vms: ReadonlySet<number>): Move[][] {
  return waves.map((w) => w.filter((m) => vms.has(m.vm))).filter((w) => w.length > 0);
}

/** Waves the part's own hosts need: per-host incoming and outgoing counts against their limits. */
function partWavesBound(problem: Problem, part: Part): number {
  const { model } = problem;
  const incoming = new Map<number, number>();
  const outgoing = new Map<number, number>();
  for (const v of part.misplaced) {
    incoming.set(model.target[v]!, (incoming.get(model.target[v]!) ?? 0) + 1);
    outgoing.set(model.placement[v]!, (outgoing.get(model.placement[v]!) ?? 0) + 1);
  }
  let lb = part.misplaced.length ? Math.max(1, Math.ceil(part.misplaced.length / model.maxPerWave)) : 0;
  for (const [h, n] of incoming) lb = Math.max(lb, Math.ceil(n / model.hosts[h]!.maxIncoming));
  for (const [h, n] of outgoing) lb = Math.max(lb, Math.ceil(n / model.hosts[h]!.maxOutgoing));
  return lb;
}

export interface ScopeInputs {
  problem: Problem;
  bounds: Bounds;
  /** The heuristic's plan, and whether its cost is proven (by its exhaustive search). */
  plan: Move[][];
  heuristicProven: boolean;
  heuristicLowerBound: number;
  minCost: (v: number) => number;
}

/** One scope per independent part (one for the whole instance when there are fewer than two). */
export function scopesOf(parts: Part[], x: ScopeInputs): Scope[] {
  const { problem, bounds } = x;
  if (parts.length < 2) {
    const misplaced = problem.model.vms.map((v) => v.index).filter((v) => problem.model.placement[v] !== problem.model.target[v]);
    const base = misplaced.reduce((s, v) => s + x.minCost(v), 0);
    return [settle({
      label: 'instance', misplaced, base, best: planOf(problem, x.plan),
      costLowerBound: Math.max(bounds.cost, x.heuristicLowerBound), wavesLowerBound: bounds.waves,
    }, x.heuristicProven)];
  }
  return parts.map((part, i) => {
    const vms = new Set([...part.movable, ...part.misplaced]);
    const hosts = new Set(part.hosts);
    const base = part.misplaced.reduce((s, v) => s + x.minCost(v), 0);
    // A deadlock's hosts are joined by moves that must happen: they lie in one part.
    const extra = bounds.deadlocks.filter((d) => hosts.has(d.hosts[0]!)).reduce((s, d) => s + d.extra, 0);
    return settle({
      label: `part ${i + 1} (${part.hosts.length} hosts, ${part.misplaced.length} misplaced, ${part.movable.length} movable VMs)`,
      vms, hosts: part.hosts, misplaced: part.misplaced, base, best: planOf(problem, restrictPlan(x.plan, vms)),
      costLowerBound: base + extra, wavesLowerBound: partWavesBound(problem, part),
    }, x.heuristicProven);
  });
}

function planOf(problem: Problem, waves: Move[][]): ScopePlan {
  return { waves, cost: movesCost(problem.cost, waves), found: true };
}

/** What the bounds (or the heuristic's search) already prove about the scope's plan. */
function settle(s: Scope, heuristicProven: boolean): Scope {
  if (near(s.best.cost, s.costLowerBound)) s.costBy = 'bound';
  // The whole plan is proven cheapest, so is every independent part's share of it.
  else if (heuristicProven) s.costBy = 'search';
  if (s.costBy) s.costLowerBound = s.best.cost;
  if (s.best.waves.length <= s.wavesLowerBound) { s.wavesBy = 'bound'; s.wavesLowerBound = s.best.waves.length; }
  return s;
}
