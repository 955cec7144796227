/**
 * Room-aware ranking of the greedy's pending VMs, for very full clouds.
 *
 * In a cloud filled to 95-98 % nearly every arrival waits for departures from its target,
 * and what limits a wave is where the free room lies, not the per-host slots: a host with
 * room enough for the VM it waits for is rare. Two habits of the plain orders waste that room:
 * small VMs go first wherever they fit and cut the few large holes into pieces the large VMs
 * (which need them) cannot use, and a departure from a host nobody waits on leaves room there
 * that no migration uses. So, within a wave, this ranking puts first
 * - VMs whose departure lets a VM waiting for room on their source in (the room they free is
 *   used in the next wave: the hole moves on instead of dying),
 * - then larger VMs (demand on the cloud's fullest resource),
 * - and last departures from hosts no VM is headed to any more (the room they free is lost),
 * weighted against the plain priority of busy hosts. No weighting is best for every cloud, so
 * the engine tries a few (`ROOM_VARIANTS`) beside the plain orders and keeps the best plan.
 */
import type { Problem } from '../../plugin-api.js';
import type { Mover } from './mover.js';
import type { GreedyOrder } from './greedy.js';

/** Weights of the ranking key: busy hosts (the greedy's priority), unblocking departures, size, and (subtracted) stranding departures. */
export interface RoomWeights {
  hosts: number;
  unblocks: number;
  size: number;
  /** Departures from a host no pending VM is headed to: the room they free stays unused. */
  strands?: number;
}

/** The greedy runs the engine tries, beyond the plain orders, when a plan has many more waves than their bound. */
export const ROOM_VARIANTS: readonly { order: GreedyOrder; room: RoomWeights }[] = [
  { order: 'hosts-then-chains', room: { hosts: 1, unblocks: 2, size: 1 } },
  { order: 'hosts', room: { hosts: 0, unblocks: 2, size: 1 } },
  { order: 'chains', room: { hosts: 1, unblocks: 2, size: 1, strands: 1 } },
  { order: 'chains', room: { hosts: 0, unblocks: 2, size: 1 } },
];

export interface RoomRanker {
  /** Per VM of `pending` (indexed by VM), its key: larger goes first. */
  keys(pending: readonly number[], priority: ArrayLike<number>): Float64Array;
}

/** A ranker for one greedy run: sizes are computed once, the rest from the state of each wave. */
export function roomRanker(problem: Problem, mover: Mover, weights: RoomWeights): RoomRanker {
  const size = relativeSizes(problem);
  const key = new Float64Array(problem.model.vms.length);
  return {
    keys(pending, priority) {
      const unblocks = weights.unblocks ? unblockingDepartures(problem, mover, pending) : undefined;
      const arriving = new Int32Array(problem.model.hosts.length);
      for (const u of pending) arriving[problem.model.target[u]!]!++;
      for (const v of pending) {
        const strands = arriving[mover.state.hostOf(v)] === 0 ? weights.strands ?? 0 : 0;
        key[v] = weights.hosts * priority[v]! + weights.size * size[v]! + (unblocks?.has(v) ? weights.unblocks : 0) - strands;
      }
      return key;
    },
  };
}

/**
 * Per VM, its share of an average host on the cloud's fullest resource (the one whose room is
 * scarcest, RAM in most clouds), divided by the largest share: 1 for the VMs hardest to place.
 */
export function relativeSizes(problem: Problem): Float64Array {
  const { model, usable } = problem;
  const R = model.resources.length;
  const H = model.hosts.length;
  const V = model.vms.length;
  const total = new Float64Array(R);
  const demanded = new Float64Array(R);
  for (let h = 0; h < H; h++) for (let r = 0; r < R; r++) total[r]! += usable[h * R + r]!;
  for (let v = 0; v < V; v++) for (let r = 0; r < R; r++) demanded[r]! += model.demand[v * R + r]!;
  let fullest = -1;
  for (let r = 0; r < R; r++) {
    if (!Number.isFinite(total[r]!) || total[r]! <= 0) continue;
    if (fullest < 0 || demanded[r]! / total[r]! > demanded[fullest]! / total[fullest]!) fullest = r;
  }
  const size = new Float64Array(V);
  if (fullest < 0) return size;
  let largest = 0;
  for (let v = 0; v < V; v++) largest = Math.max(largest, model.demand[v * R + fullest]!);
  if (largest > 0) for (let v = 0; v < V; v++) size[v] = model.demand[v * R + fullest]! / largest;
  return size;
}

/**
 * The pending VMs whose departure alone lets in a pending VM that waits for room on their
 * source now (asked of every rule, with the VM taken off its host for the question only).
 */
export function unblockingDepartures(problem: Problem, mover: Mover, pending: readonly number[]): Set<number> {
  const { target } = problem.model;
  const s = mover.state;
  const waiting = new Map<number, number[]>();
  for (const u of pending) {
    const t = target[u]!;
    if (mover.admits(u, t)) continue;
    const list = waiting.get(t);
    if (list) list.push(u); else waiting.set(t, [u]);
  }
  const found = new Set<number>();
  for (const v of pending) {
    const arrivals = waiting.get(s.hostOf(v));
    if (!arrivals || s.destinationOf(v) >= 0) continue;
    s.withdraw(v);
    if (arrivals.some((u) => mover.admits(u, target[u]!))) found.add(v);
    s.restore(v);
  }
  return found;
}
