/**
 * The scalable path finder: builds waves greedily, direct moves first, and when no
 * direct move is possible parks VMs (also VMs that were not asked to move) on
 * other hosts to break swaps, cycles and multi-resource deadlocks.
 */
import type { Problem } from '../../plugin-api.js';
import type { Move } from '../../plan/moves.js';
import { misplacedVms } from '../../model/model.js';
import { Mover } from './mover.js';

export interface GreedyOptions {
  /** Date.now() after which the search gives up. */
  deadline: number;
  /** Parking migrations allowed before giving up (livelock guard). */
  maxParkings?: number;
  onProgress?: (done: number, total: number) => void;
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
}

export function greedyWaves(problem: Problem, options: GreedyOptions): GreedyResult {
  const { model } = problem;
  const R = model.resources.length;
  const H = model.hosts.length;
  const V = model.vms.length;
  const { target, demand } = model;
  const mover = new Mover(problem);
  const s = mover.state;
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
  let parkings = 0;
  let settled = 0;

  const finish = (complete: boolean, stopped?: GreedyResult['stopped']): GreedyResult => ({
    waves, complete, stopped, finalPlacement: s.snapshot(), parkings,
  });

  while (pending.length > 0) {
    if (Date.now() > options.deadline) return finish(false, 'time');
    for (const v of pending) {
      const src = s.hostOf(v);
      const t = target[v]!;
      priority[v] = Math.max(remOut[src]! / model.hosts[src]!.maxOutgoing, remIn[t]! / model.hosts[t]!.maxIncoming);
    }
    const order = pending.slice().sort((a, b) => priority[b]! - priority[a]! || a - b);

    let wave: Move[] = [];
    for (const v of order) {
      const from = s.hostOf(v);
      if (mover.tryMove(v, target[v]!)) wave.push({ vm: v, from, to: target[v]! });
    }
    if (wave.length === 0) {
      if (parkings >= maxParkings) return finish(false, 'limit');
      wave = parkingWave(order);
      if (wave.length === 0) return finish(false, 'stuck');
      parkings += wave.filter((m) => m.to !== target[m.vm]).length;
    }

    const next: number[] = [];
    for (const m of wave) {
      const was = isPending[m.vm];
      if (was) account(m.vm, m.from, -1);
      if (m.to !== target[m.vm]) account(m.vm, m.to, 1);
      else settled++;
      if (!was && isPending[m.vm]) next.push(m.vm); // parked although it was home: it must come back
    }
    s.finishWave();
    waves.push(wave);
    for (const v of pending) if (isPending[v]) next.push(v);
    pending = next;
    options.onProgress?.(Math.min(settled, total), total);
  }
  return finish(true);

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

    const helped = new Set<number>();
    const moves: Move[] = [];
    for (const plan of plans) {
      if (s.destinationOf(plan.vm) >= 0) continue; // it is being parked itself
      if (plan.evict.some((u) => helped.has(u) || s.destinationOf(u) >= 0)) continue;
      const t = target[plan.vm]!;
      let any = false;
      for (const u of plan.evict) {
        const p = parkingHost(u, t);
        if (p < 0) continue;
        s.beginMove(u, p);
        moves.push({ vm: u, from: t, to: p });
        any = true;
      }
      if (any) helped.add(plan.vm);
    }
    return moves;
  }

  /** VMs on `host` to take away so that `vm` is admitted there; undefined if none suffices. */
  function evictionSet(vm: number, host: number): number[] | undefined {
    const candidates = [...s.vmsOn(host)].filter((u) => u !== vm && mover.movable(u) && s.destinationOf(u) < 0);
    const extra = (u: number) => (isPending[u] ? 1 : 2) * unitCost(u);
    candidates.sort((a, b) => extra(a) - extra(b) || a - b);
    const taken: number[] = [];
    let ok = mover.admits(vm, host);
    for (const u of candidates) {
      if (ok) break;
      s.withdraw(u);
      taken.push(u);
      ok = mover.admits(vm, host);
    }
    if (!ok) {
      for (const u of taken) s.restore(u);
      return undefined;
    }
    // Put back, most expensive first, whatever is not needed after all.
    const needed: number[] = [];
    for (let i = taken.length - 1; i >= 0; i--) {
      const u = taken[i]!;
      s.restore(u);
      if (!mover.admits(vm, host)) { s.withdraw(u); needed.push(u); }
    }
    for (const u of needed) s.restore(u);
    return needed.reverse();
  }

  /** The host with the most room left after its pending arrivals that takes `vm` now. */
  function parkingHost(vm: number, from: number): number {
    let best = -1;
    let bestScore = -Infinity;
    for (let p = 0; p < H; p++) {
      if (p === from || !mover.slotFree(from, p) || !mover.admits(vm, p)) continue;
      if (p === target[vm]) return p; // not a detour at all
      let score = Infinity;
      for (let r = 0; r < R; r++) {
        const u = problem.usable[p * R + r]!;
        if (u === Infinity) continue;
        const room = (u - s.load(p, r) - reservedIn[p * R + r]! - demand[vm * R + r]!) / Math.max(u, 1);
        if (room < score) score = room;
      }
      if (score > bestScore) { bestScore = score; best = p; }
    }
    return best;
  }
}
