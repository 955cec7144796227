/**
 * Exhaustive best-first (A*) search over settled placements, one migration at a
 * time, with memoisation. Any valid parallel plan can be run one migration at a
 * time (rules are monotone), so when this search runs out of states without
 * reaching the target, no plan exists; and the first plan it reaches is the
 * cheapest. It is exponential: only for small instances or as a last resort.
 */
import type { Problem } from '../../plugin-api.js';
import type { Move } from '../../plan/moves.js';
import { Mover } from './mover.js';
import { MinHeap } from '../../util/heap.js';

export interface SearchOptions {
  maxStates: number;
  deadline: number;
  /** Ignore plans costing more than this (a known plan's cost). */
  cutoff?: number;
}

export interface SearchResult {
  /** found: cheapest plan; exhausted: every reachable state seen, none is the target; budget/time: gave up. */
  outcome: 'found' | 'exhausted' | 'budget' | 'time';
  moves?: Move[];
  cost?: number;
  /** A proven lower bound on the cost of any plan (within the cutoff). */
  lowerBound: number;
  states: number;
}

interface Node { key: string; placement: Int32Array; g: number; parent: number; move?: Move }

export function searchSequence(problem: Problem, options: SearchOptions): SearchResult {
  const { model, cost } = problem;
  const V = model.vms.length;
  const H = model.hosts.length;
  const { target } = model;
  const minCost = (v: number, from: number) => cost.minCost?.(v) ?? cost.cost(v, from, target[v]!);
  const estimate = (p: Int32Array) => {
    let h = 0;
    for (let v = 0; v < V; v++) if (p[v] !== target[v]) h += minCost(v, p[v]!);
    return h;
  };
  const keyOf = (p: Int32Array) => String.fromCharCode(...p);
  const cutoff = options.cutoff === undefined ? Infinity : options.cutoff + 1e-9 * Math.max(1, options.cutoff);

  const nodes: Node[] = [];
  const best = new Map<string, number>();
  const open = new MinHeap<[number, number, number]>((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const start = Int32Array.from(model.placement);
  nodes.push({ key: keyOf(start), placement: start, g: 0, parent: -1 });
  best.set(nodes[0]!.key, 0);
  open.push([estimate(start), 0, 0]);
  const targetKey = keyOf(target);
  let expanded = 0;

  while (open.size > 0) {
    const [f, , id] = open.pop()!;
    const node = nodes[id]!;
    if (best.get(node.key)! < node.g) continue; // stale entry
    if (node.key === targetKey) return { outcome: 'found', moves: path(id), cost: node.g, lowerBound: node.g, states: best.size };
    if (expanded >= options.maxStates) return { outcome: 'budget', lowerBound: f, states: best.size };
    if ((expanded & 255) === 0 && Date.now() > options.deadline) return { outcome: 'time', lowerBound: f, states: best.size };
    expanded++;

    const mover = new Mover(problem, node.placement);
    for (let v = 0; v < V; v++) {
      if (!mover.movable(v)) continue;
      const from = node.placement[v]!;
      for (let h = 0; h < H; h++) {
        if (h === from || !mover.slotFree(from, h) || !mover.admits(v, h)) continue;
        const child = Int32Array.from(node.placement);
        child[v] = h;
        const g = node.g + cost.cost(v, from, h);
        const fc = g + estimate(child);
        if (fc > cutoff) continue;
        const key = keyOf(child);
        const seen = best.get(key);
        if (seen !== undefined && seen <= g) continue;
        best.set(key, g);
        nodes.push({ key, placement: child, g, parent: id, move: { vm: v, from, to: h } });
        open.push([fc, -g, nodes.length - 1]); // ties: deeper first
      }
    }
  }
  return { outcome: 'exhausted', lowerBound: cutoff, states: best.size };

  function path(id: number): Move[] {
    const out: Move[] = [];
    for (let n = nodes[id]!; n.parent >= 0; n = nodes[n.parent]!) out.push(n.move!);
    return out.reverse();
  }
}
