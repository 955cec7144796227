/**
 * Exhaustive best-first (A*) search over settled placements, one migration at a
 * time, with memoisation. Any valid parallel plan can be run one migration at a
 * time (rules are monotone), so when this search runs out of states without
 * reaching the goal, no plan exists (among the VMs and hosts it was given); and
 * the first plan it reaches is the cheapest. It is exponential: used on whole
 * small instances, and on small neighbourhoods of a large one to break a deadlock.
 */
import type { Problem } from '../../plugin-api.js';
import type { Move } from '../../plan/moves.js';
import { Mover } from './mover.js';
import { MinHeap } from '../../util/heap.js';

export interface SearchOptions {
  /** Placements the search may store (memory is proportional); it gives up ('budget') beyond. */
  maxStates: number;
  deadline: number;
  /** Clock compared with the deadline (default Date.now; tests inject one). */
  now?: () => number;
  /** Ignore plans costing more than this (a known plan's cost). */
  cutoff?: number;
  /** Placement to start from (default: the instance's placement). */
  start?: Int32Array;
  /** The VMs that may move (default: all) and where each must end (default: its target). */
  vms?: readonly number[];
  goal?: readonly number[];
  /** Hosts the VMs may use (default: all). */
  hosts?: readonly number[];
  /** Per host, 1 where no VM may go but the VMs whose goal it is (drained hosts get no parking). */
  goalOnly?: ArrayLike<number>;
  /** Per VM, migrations it has already made (counted against rules' maxMoves; default none). */
  moved?: ArrayLike<number>;
}

export interface SearchResult {
  /** found: cheapest plan; exhausted: every reachable state seen, none is the goal; budget/time: gave up. */
  outcome: 'found' | 'exhausted' | 'budget' | 'time';
  moves?: Move[];
  cost?: number;
  /** A proven lower bound on the cost of any plan (within the cutoff). */
  lowerBound: number;
  states: number;
}

/** Children generated between two readings of the clock. */
const CLOCK_EVERY = 5_000;

/** A stored placement: its hosts (as a compact string key), cost so far and how it was reached. */
interface Node { key: string; g: number; parent: number; move?: Move }

export function searchSequence(problem: Problem, options: SearchOptions): SearchResult {
  const { model, cost } = problem;
  const { now, start, hosts } = searchDefaults(model, options);
  const mover = new Mover(problem, start, options.moved);
  const state = mover.state;
  const vms = (options.vms ?? model.vms.map((v) => v.index)).filter((v) => mover.movable(v));
  // VMs with a move budget: their migrations so far are part of the state (after the placement in a key).
  const budgeted = vms.map((v, i) => (Number.isFinite(mover.movesLeft(v)) ? i : -1)).filter((i) => i >= 0);
  const baseMoved = Int32Array.from(vms, (v) => mover.moved[v]!);
  const used = new Int32Array(vms.length);
  const goal = options.goal ?? vms.map((v) => model.target[v]!);
  const goalOnly = options.goalOnly;
  const k = vms.length;
  const minCost = (i: number, from: number) => cost.minCost?.(vms[i]!) ?? cost.cost(vms[i]!, from, goal[i]!);
  const estimate = (at: Int32Array) => {
    let h = 0;
    for (let i = 0; i < k; i++) if (at[i] !== goal[i]) h += minCost(i, at[i]!);
    return h;
  };
  // Host indices as UTF-16 code units: a placement costs 2 bytes per VM to remember.
  const keyOf = (at: Int32Array) => (budgeted.length ? String.fromCharCode(...at, ...budgeted.map((i) => used[i]!)) : String.fromCharCode(...at));
  const decode = (key: string, into: Int32Array) => {
    for (let i = 0; i < k; i++) into[i] = key.charCodeAt(i);
    budgeted.forEach((i, j) => { used[i] = key.charCodeAt(k + j); mover.moved[vms[i]!] = baseMoved[i]! + used[i]!; });
  };
  const cutoff = slackened(options.cutoff);
  const first = Int32Array.from(vms, (v) => start[v]!);
  if (model.hosts.length > 0xffff) return { outcome: 'budget', lowerBound: estimate(first), states: 0 };

  const nodes: Node[] = [{ key: keyOf(first), g: 0, parent: -1 }];
  const best = new Map<string, number>([[nodes[0]!.key, 0]]);
  const open = new MinHeap<[number, number, number]>((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  open.push([estimate(first), 0, 0]);
  const goalKey = String.fromCharCode(...goal);
  const at = new Int32Array(k);
  let work = CLOCK_EVERY; // read the clock before the first expansion
  // The clock is read after a fixed amount of work (children generated), however big each expansion is.
  const timeUp = () => {
    if (work < CLOCK_EVERY) return false;
    work = 0;
    return now() > options.deadline;
  };

  while (open.size > 0) {
    const [f, , id] = open.pop()!;
    const node = nodes[id]!;
    if (best.get(node.key)! < node.g) continue; // stale entry
    if (node.key.startsWith(goalKey)) return { outcome: 'found', moves: path(id), cost: node.g, lowerBound: node.g, states: best.size };
    if (best.size >= options.maxStates) return { outcome: 'budget', lowerBound: f, states: best.size };
    if (timeUp()) return { outcome: 'time', lowerBound: f, states: best.size };
    work += k * hosts.length;

    decode(node.key, at);
    for (let i = 0; i < k; i++) if (at[i] !== first[i]) state.relocate(vms[i]!, at[i]!);
    for (let i = 0; i < k; i++) {
      const v = vms[i]!;
      const from = at[i]!;
      for (const h of hosts) {
        if (h === from || (goalOnly?.[h] && h !== goal[i]) || !mover.slotFree(from, h) || !mover.admits(v, h)) continue;
        at[i] = h;
        used[i]!++;
        const g = node.g + cost.cost(v, from, h);
        const fc = g + estimate(at);
        const key = fc > cutoff ? '' : keyOf(at);
        at[i] = from;
        used[i]!--;
        if (fc > cutoff) continue;
        const seen = best.get(key);
        if (seen !== undefined && seen <= g) continue;
        best.set(key, g);
        nodes.push({ key, g, parent: id, move: { vm: v, from, to: h } });
        open.push([fc, -g, nodes.length - 1]); // ties: deeper first
      }
    }
    for (let i = 0; i < k; i++) if (at[i] !== first[i]) state.relocate(vms[i]!, first[i]!);
  }
  return { outcome: 'exhausted', lowerBound: cutoff, states: best.size };

  function path(id: number): Move[] {
    const out: Move[] = [];
    for (let n = nodes[id]!; n.parent >= 0; n = nodes[n.parent]!) out.push(n.move!);
    return out.reverse();
  }
}

/** The options' defaults: the wall clock, the instance's placement, every host. */
function searchDefaults(model: Problem['model'], options: SearchOptions): { now: () => number; start: Int32Array; hosts: readonly number[] } {
  return { now: options.now ?? Date.now, start: options.start ?? model.placement, hosts: options.hosts ?? model.hosts.map((h) => h.index) };
}

/** The cutoff with a relative tolerance for rounding (Infinity when there is none). */
function slackened(cutoff: number | undefined): number {
  return cutoff === undefined ? Infinity : cutoff + 1e-9 * Math.max(1, cutoff);
}
