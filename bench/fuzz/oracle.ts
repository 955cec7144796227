/**
 * The fuzzer's oracle, written for it and independent of every engine: a shortest-path
 * search over placements, one migration at a time (valid per moves.ts: every rule's
 * check() with the VM on both hosts), each edge weighted by the problem's cost function.
 * Feasibility and the optimum cost do not depend on waves, since any plan can be run one
 * migration per wave (concurrency limits are at least 1).
 *
 * Uniform-cost search with an admissible, consistent heuristic (A*): each misplaced VM
 * must still move at least once, at its least cost. With the heuristic at 0 (a cost that
 * depends on the route and gives no least cost) it is plain Dijkstra. Bounded in stored
 * states and in rule checks so that it always finishes; beyond that it gives up, which
 * the campaign records separately.
 *
 * Move budgets (rules' maxMoves) are part of the state: a search node is the placement and,
 * for each VM with a budget, the migrations it has made; a move beyond the budget is no edge.
 */
import type { Problem } from '../../src/plugin-api.js';
import { PlacementState } from '../../src/model/state.js';
import { MinHeap } from '../../src/util/heap.js';
import { moveIsValid, moveTo } from './moves.js';

export interface OracleLimits {
  /** Placements stored (memory). Default 100,000. */
  maxStates?: number;
  /** Single moves checked against the rules (time). Default 4,000,000. */
  maxChecks?: number;
}

export interface OracleMove { vm: number; from: number; to: number }

export type OracleResult =
  | { status: 'feasible'; optimum: number; moves: OracleMove[]; states: number; checks: number }
  | { status: 'infeasible'; states: number; checks: number }
  | { status: 'gave-up'; reason: string; states: number; checks: number };

interface Visit { g: number; parent: string | null; move: OracleMove | null; closed: boolean }
interface Open { key: string; placement: Int32Array; moved: Int32Array; g: number; f: number }

/** Per VM, the least budget of its rules (Infinity: none). */
function budgetsOf(problem: Problem): Float64Array {
  const budget = new Float64Array(problem.model.vms.length).fill(Infinity);
  for (const rule of problem.rules) if (rule.maxMoves) for (let v = 0; v < budget.length; v++) budget[v] = Math.min(budget[v]!, rule.maxMoves(v));
  return budget;
}

/** Least cost of each VM's remaining moves: one move at its least cost (0 if unknown). */
function leastCosts(problem: Problem): Float64Array {
  const { model, cost } = problem;
  return Float64Array.from(model.vms, (_, v) => {
    if (cost.minCost) return cost.minCost(v);
    if (cost.dependsOnRoute) return 0;
    const from = model.placement[v]!;
    const to = model.target[v] !== from ? model.target[v]! : (from + 1) % model.hosts.length;
    return cost.cost(v, from, to);
  });
}

function pathTo(visits: Map<string, Visit>, key: string): OracleMove[] {
  const moves: OracleMove[] = [];
  for (let at = visits.get(key)!; at.move; at = visits.get(at.parent!)!) moves.push(at.move);
  return moves.reverse();
}

export function solveByOracle(problem: Problem, limits: OracleLimits = {}): OracleResult {
  const maxStates = limits.maxStates ?? 100_000;
  const maxChecks = limits.maxChecks ?? 4_000_000;
  const { model } = problem;
  const V = model.vms.length;
  const H = model.hosts.length;
  if (H >= 0xffff) return { status: 'gave-up', reason: `${H} hosts`, states: 0, checks: 0 };
  const target = model.target;
  const least = leastCosts(problem);
  const remaining = (p: Int32Array) => {
    let sum = 0;
    for (let v = 0; v < V; v++) if (p[v] !== target[v]) sum += least[v]!;
    return sum;
  };
  const budget = budgetsOf(problem);
  const counted = [...budget.keys()].filter((v) => Number.isFinite(budget[v]!));
  const keyOf = (placement: Int32Array, moved: Int32Array) => String.fromCharCode(...placement, ...counted.map((v) => moved[v]!));
  const goal = String.fromCharCode(...target);
  const state = new PlacementState(model, problem.usable, model.placement);
  const visits = new Map<string, Visit>();
  const open = new MinHeap<Open>((a, b) => a.f - b.f || b.g - a.g);
  const start = Int32Array.from(model.placement);
  const startKey = keyOf(start, new Int32Array(V));
  visits.set(startKey, { g: 0, parent: null, move: null, closed: false });
  open.push({ key: startKey, placement: start, moved: new Int32Array(V), g: 0, f: remaining(start) });
  let checks = 0;

  for (let node = open.pop(); node; node = open.pop()) {
    const visit = visits.get(node.key)!;
    if (visit.closed || visit.g < node.g) continue;
    visit.closed = true;
    if (node.key.startsWith(goal)) return { status: 'feasible', optimum: node.g, moves: pathTo(visits, node.key), states: visits.size, checks };
    if (visits.size > maxStates) return { status: 'gave-up', reason: `more than ${maxStates} placements`, states: visits.size, checks };
    if (checks > maxChecks) return { status: 'gave-up', reason: `more than ${maxChecks} moves checked`, states: visits.size, checks };
    moveTo(state, node.placement);
    for (let v = 0; v < V; v++) {
      const from = node.placement[v]!;
      if (node.moved[v]! >= budget[v]!) continue;
      for (let to = 0; to < H; to++) {
        if (to === from) continue;
        checks++;
        if (!moveIsValid(problem, state, v, to)) continue;
        const next = Int32Array.from(node.placement);
        next[v] = to;
        const moved = Int32Array.from(node.moved);
        moved[v]!++;
        const key = keyOf(next, moved);
        const g = node.g + problem.cost.cost(v, from, to);
        const seen = visits.get(key);
        if (seen && seen.g <= g) continue;
        visits.set(key, { g, parent: node.key, move: { vm: v, from, to }, closed: false });
        open.push({ key, placement: next, moved, g, f: g + remaining(next) });
      }
    }
  }
  return { status: 'infeasible', states: visits.size, checks };
}
