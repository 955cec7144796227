/**
 * The scalable path finder: builds waves greedily, direct moves first, and when no
 * direct move is possible parks VMs (also VMs that were not asked to move) on
 * other hosts to break swaps, cycles and multi-resource deadlocks.
 */
import type { Problem } from '../../plugin-api.js';
import type { Move } from '../../plan/moves.js';
import { misplacedVms } from '../../model/model.js';
import { Mover } from './mover.js';
import { searchSequence } from './search.js';
import { compressSequence } from './compress.js';
import { minimalRemoval } from '../../util/minimal-removal.js';
import { drainedHosts } from '../../plan/decompose.js';
import { roomRanker, type RoomWeights } from './room-order.js';
import { relaxChainDepths } from './chain-depths.js';
import { orderByKeys } from './pending-order.js';

/** 1 for the VMs in the set, 0 for the others. */
function flagsOf(set: ReadonlySet<number>, V: number): Uint8Array {
  const flags = new Uint8Array(V);
  for (const v of set) flags[v] = 1;
  return flags;
}

/** Rounds of the chain-depth relaxation (cycles would grow forever: a cap). */
const CHAIN_ROUNDS = 30;

/** Size of the neighbourhood searched exhaustively to break a deadlock. */
const REPAIR = { vms: 8, hosts: 6, bystanders: 6, parkingHosts: 3, states: 60_000, seeds: 10 };

export type GreedyOrder = 'chains' | 'hosts-then-chains' | 'hosts';

export interface GreedyOptions {
  /** Time (by `now`) after which the search gives up. */
  deadline: number;
  /** Clock (default Date.now). */
  now?: () => number;
  /** Parking migrations allowed before giving up (livelock guard). */
  maxParkings?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * Which VMs go first: 'chains' (default) where the longest chains of blocked VMs wait for
   * room on their source, then bottleneck hosts; 'hosts-then-chains' the other way round;
   * 'hosts' bottleneck hosts only. Which needs fewer waves or detours depends on the cloud.
   */
  order?: GreedyOrder;
  /** Per VM: when given, longer migrations go first within a wave, so that long ones share waves (makespan). */
  seconds?: ArrayLike<number>;
  /** When given, a room-aware key ranks VMs before the order does (room-order.ts: very full clouds). */
  room?: RoomWeights;
}

export interface GreedyResult {
  waves: Move[][];
  /** True when every VM reached its target. */
  complete: boolean;
  /** Why it stopped short: 'stuck' (no direct or parking move possible), 'limit' or 'time'. */
  stopped?: 'stuck' | 'limit' | 'time';
  /** Where the VMs were when it stopped. */
  finalPlacement: Int32Array;
  parkings: number;
  /** Deadlocks broken by exhaustive search of a neighbourhood. */
  repairs: number;
}

export function greedyWaves(problem: Problem, options: GreedyOptions): GreedyResult {
  const { model } = problem;
  const R = model.resources.length;
  const H = model.hosts.length;
  const V = model.vms.length;
  const { target, demand } = model;
  const mover = new Mover(problem);
  const s = mover.state;
  const now = options.now ?? Date.now;
  // Hosts the target leaves empty: parking there only when no other host will do.
  const drained = drainedHosts(model);
  const unitCost = (v: number) => problem.cost.minCost?.(v) ?? problem.cost.cost(v, s.hostOf(v), target[v]!);

  // Work left per host, to start bottleneck hosts first and to steer parking away from busy targets.
  const remIn = new Int32Array(H);
  const remOut = new Int32Array(H);
  const reservedIn = new Float64Array(H * R);
  const isPending = new Uint8Array(V);
  let pending = misplacedVms(model);
  const total = pending.length;
  const account = (v: number, host: number, sign: 1 | -1) => {
    isPending[v] = sign > 0 ? 1 : 0;
    remOut[host]! += sign;
    remIn[target[v]!]! += sign;
    for (let r = 0; r < R; r++) reservedIn[target[v]! * R + r]! += sign * demand[v * R + r]!;
  };
  for (const v of pending) account(v, s.hostOf(v), 1);

  const maxParkings = options.maxParkings ?? 2 * V + 100;
  const waves: Move[][] = [];
  const priority = new Float64Array(V);
  const depth = new Float64Array(V);
  let parkings = 0;
  let settled = 0;
  // VMs for which others were parked: they go first, or the room made for them is taken again.
  const helped = new Set<number>();
  // A VM parked off host t for a VM b stays out of t until b is in: else it takes the room back.
  const heldFor = new Map<number, number>();
  const held = (v: number) => {
    const b = heldFor.get(v);
    if (b === undefined) return false;
    if (isPending[b] && target[b] === target[v]) return true;
    heldFor.delete(v);
    return false;
  };
  const stuckStates = new Set<string>();
  let repairs = 0;
  const ranker = options.room && roomRanker(problem, mover, options.room);

  /** Ends a wave whose migrations have all begun: bookkeeping, then the state moves on. */
  const apply = (wave: Move[]) => {
    const next: number[] = [];
    for (const m of wave) {
      const was = isPending[m.vm];
      if (was) account(m.vm, m.from, -1);
      helped.delete(m.vm);
      if (m.to !== target[m.vm]) account(m.vm, m.to, 1);
      else settled++;
      if (!was && isPending[m.vm]) next.push(m.vm); // parked although it was home: it must come back
    }
    mover.record(wave);
    s.finishWave();
    waves.push(wave);
    for (const v of pending) if (isPending[v]) next.push(v);
    pending = next;
  };

  const finish = (complete: boolean, stopped?: GreedyResult['stopped']): GreedyResult => ({
    waves, complete, stopped, finalPlacement: s.snapshot(), parkings, repairs,
  });

  while (pending.length > 0) {
    if (now() > options.deadline) return finish(false, 'time');
    for (const v of pending) {
      const src = s.hostOf(v);
      const t = target[v]!;
      priority[v] = Math.max(remOut[src]! / mover.maxOut[src]!, remIn[t]! / mover.maxIn[t]!);
    }
    const first = (v: number) => (helped.has(v) ? 1 : 0);
    const longest = options.seconds;
    const chain = options.order === 'hosts' ? depth : chainDepths(pending);
    const rank = options.order === 'hosts-then-chains'
      ? (a: number, b: number) => priority[b]! - priority[a]! || chain[b]! - chain[a]!
      : (a: number, b: number) => chain[b]! - chain[a]! || priority[b]! - priority[a]!;
    const key = ranker?.keys(pending, priority);
    // The comparator's keys, for a counting sort over their few distinct values (pending-order.ts); the comparator when there are many.
    const keys = [...(helped.size ? [flagsOf(helped, V)] : []), ...(key ? [key] : []), ...(longest ? [longest] : []),
      ...(options.order === 'hosts-then-chains' ? [priority, chain] : [chain, priority])];
    const order = orderByKeys(pending, keys) ?? pending.slice().sort((a, b) => first(b) - first(a) || (key ? key[b]! - key[a]! : 0)
      || (longest ? longest[b]! - longest[a]! : 0) || rank(a, b) || a - b);

    let wave: Move[] = [];
    for (const v of order) {
      const from = s.hostOf(v);
      if (!held(v) && mover.tryMove(v, target[v]!)) wave.push({ vm: v, from, to: target[v]! });
    }
    if (wave.length === 0) {
      // Parking is quick and breaks many deadlocks at once; if it would only
      // repeat a stuck state seen before, search a neighbourhood exhaustively.
      const key = pending.map((v) => `${v}@${s.hostOf(v)}`).sort().join(',');
      const repeated = stuckStates.has(key);
      stuckStates.add(key);
      if (!repeated && parkings < maxParkings) wave = parkingWave(order);
      if (wave.length === 0) {
        const sequence = repair(order);
        if (!sequence) return finish(false, parkings >= maxParkings ? 'limit' : 'stuck');
        repairs++;
        for (const w of compressSequence(problem, sequence, s.snapshot())) {
          for (const m of w) s.beginMove(m.vm, m.to);
          apply(w);
        }
        continue;
      }
      parkings += wave.filter((m) => m.to !== target[m.vm]).length;
    }
    apply(wave);
    options.onProgress?.(Math.min(settled, total), total);
  }
  return finish(true);

  /**
   * Per pending VM, the longest chain of blocked VMs waiting (transitively) for room on its
   * source: leaving first where the longest chains wait shortens the plan (critical path).
   */
  function chainDepths(list: number[]): Float64Array {
    const blocked = list.filter((v) => !mover.admits(v, target[v]!));
    return relaxChainDepths({ list, blocked, hostOf: (v) => s.hostOf(v), target, hosts: H, rounds: CHAIN_ROUNDS }, depth);
  }

  /**
   * Exhaustive search on a neighbourhood of a blocked VM: the pending VMs that
   * leave or enter its hosts (transitively, up to a size), a few VMs that were not
   * asked to move, and the roomiest other hosts for parking. Returns the cheapest
   * sequence that brings those pending VMs home, or undefined.
   */
  function repair(order: number[]): Move[] | undefined {
    const byTarget = new Map<number, number[]>();
    for (const v of pending) {
      const list = byTarget.get(target[v]!);
      if (list) list.push(v); else byTarget.set(target[v]!, [v]);
    }
    const room = new Float64Array(H);
    for (let p = 0; p < H; p++) room[p] = freeScore(p, -1);
    const roomiest = [...Array(H).keys()].sort((a, b) => drained[a]! - drained[b]! || room[b]! - room[a]! || a - b);
    const tried = new Set<number>();
    for (const seed of order.slice(0, REPAIR.seeds)) {
      if (tried.has(seed) || !mover.movable(seed)) continue;
      const hostSet = new Set<number>();
      const chosen: number[] = [];
      const queue = [seed];
      while (queue.length > 0 && chosen.length < REPAIR.vms) {
        const v = queue.shift()!;
        if (chosen.includes(v) || !mover.movable(v)) continue;
        chosen.push(v);
        tried.add(v);
        for (const h of [s.hostOf(v), target[v]!]) {
          if (hostSet.has(h) || hostSet.size >= REPAIR.hosts) continue;
          hostSet.add(h);
          for (const u of s.vmsOn(h)) if (isPending[u]) queue.push(u);
          queue.push(...(byTarget.get(h) ?? []));
        }
      }
      const movers = chosen.filter((v) => hostSet.has(target[v]!));
      const parking = roomiest.filter((p) => !hostSet.has(p)).slice(0, REPAIR.parkingHosts);
      // VMs already home that may step aside, on the deadlocked hosts or where others would park.
      const bystanders = [...hostSet, ...parking].flatMap((h) => [...s.vmsOn(h)])
        .filter((u) => !isPending[u] && mover.movable(u))
        .sort((a, b) => unitCost(a) - unitCost(b) || a - b)
        .slice(0, REPAIR.bystanders);
      // First without the bystanders (a much smaller space), then with them.
      const start = s.snapshot();
      for (const extra of [[], bystanders]) {
        const found = searchSequence(problem, {
          start,
          vms: [...movers, ...extra],
          goal: [...movers.map((v) => target[v]!), ...extra.map((u) => s.hostOf(u))],
          hosts: [...hostSet, ...parking],
          maxStates: extra.length ? REPAIR.states : REPAIR.states / 4,
          deadline: options.deadline,
          now,
          moved: mover.moved,
        });
        if (found.outcome === 'found' && found.moves!.length > 0) return found.moves;
      }
    }
    return undefined;
  }

  /** Smallest fraction of any resource left free on the host after its pending arrivals (and `vm`). */
  function freeScore(p: number, vm: number): number {
    let score = Infinity;
    for (let r = 0; r < R; r++) {
      const u = problem.usable[p * R + r]!;
      if (u === Infinity) continue;
      const d = vm < 0 ? 0 : demand[vm * R + r]!;
      const free = (u - s.load(p, r) - reservedIn[p * R + r]! - d) / Math.max(u, 1);
      if (free < score) score = free;
    }
    return score;
  }

  /**
   * Nothing can move directly. For each blocked VM, find the cheapest set of VMs
   * whose departure from its target would let it in, and park them elsewhere.
   */
  function parkingWave(blocked: number[]): Move[] {
    const plans: { vm: number; evict: number[]; extra: number }[] = [];
    for (const v of blocked) {
      if (!mover.movable(v)) continue;
      const evict = evictionSet(v, target[v]!);
      if (!evict) continue;
      let extra = 0;
      for (const u of evict) extra += (isPending[u] ? 1 : 2) * unitCost(u);
      plans.push({ vm: v, evict, extra });
    }
    plans.sort((a, b) => a.extra - b.extra || priority[b.vm]! - priority[a.vm]! || a.vm - b.vm);

    const moves: Move[] = [];
    const beneficiaries = new Set<number>();
    // Hosts that will have room soon: a beneficiary's source, a host being evicted from.
    // A VM waiting for one of them may be unblocked by that alone: don't park for it yet.
    const freeing = new Set<number>();
    for (const plan of plans) {
      if (s.destinationOf(plan.vm) >= 0) continue; // it is being parked itself
      if (plan.evict.some((u) => beneficiaries.has(u) || s.destinationOf(u) >= 0)) continue;
      const t = target[plan.vm]!;
      if (freeing.has(t)) continue;
      let any = false;
      for (const u of plan.evict) {
        const p = parkingHost(u, t);
        if (p < 0) continue;
        s.beginMove(u, p);
        moves.push({ vm: u, from: t, to: p });
        heldFor.set(u, plan.vm);
        any = true;
      }
      if (any) {
        beneficiaries.add(plan.vm);
        helped.add(plan.vm);
        freeing.add(t).add(s.hostOf(plan.vm));
      }
    }
    return moves;
  }

  /** VMs on `host` to take away so that `vm` is admitted there; undefined if none suffices. */
  function evictionSet(vm: number, host: number): number[] | undefined {
    // A VM whose move budget allows no detour leaves only for its own target.
    const candidates = [...s.vmsOn(host)].filter((u) => u !== vm && mover.movable(u) && s.destinationOf(u) < 0
      && (mover.canPark(u) || (isPending[u] === 1 && target[u] !== host && mover.movesLeft(u) >= 1)));
    const extra = (u: number) => (isPending[u] ? 1 : 2) * unitCost(u);
    candidates.sort((a, b) => extra(a) - extra(b) || a - b);
    const needed = minimalRemoval(candidates, (u) => s.withdraw(u), (u) => s.restore(u), () => mover.admits(vm, host));
    for (const u of needed ?? []) s.restore(u); // only a question: the state stays as it was
    return needed;
  }

  /** The host with the most room left after its pending arrivals that takes `vm` now; a drained host only as a last resort. */
  function parkingHost(vm: number, from: number): number {
    let best = -1;
    let bestScore = -Infinity;
    for (let p = 0; p < H; p++) {
      if (p === from || !mover.slotFree(from, p, vm) || !mover.admits(vm, p)) continue;
      if (p === target[vm]) return p; // not a detour at all
      if (!mover.admitsLiveMove(vm, p, target[vm]!)) continue; // it could not come back live
      const score = freeScore(p, vm) - (drained[p] ? 2 : 0);
      if (score > bestScore) { bestScore = score; best = p; }
    }
    return best;
  }
}
