/** Lower bounds any plan must respect, whatever the engine. */
import type { Problem } from '../plugin-api.js';
import type { Model } from '../model/model.js';
import { PlacementState } from '../model/state.js';
import { frozenVms, rulesAreHostLocal } from './decompose.js';

/** Each misplaced VM moves at least once. */
export function costLowerBound(problem: Problem): number {
  const { model, cost } = problem;
  let sum = 0;
  for (let v = 0; v < model.vms.length; v++) {
    const from = model.placement[v]!;
    const to = model.target[v]!;
    if (from !== to) sum += cost.minCost?.(v) ?? cost.cost(v, from, to);
  }
  return sum;
}

/** Waves needed by the busiest host's incoming and outgoing migrations, and by maxPerWave. */
export function wavesLowerBound(model: Model): number {
  const H = model.hosts.length;
  const incoming = new Int32Array(H);
  const outgoing = new Int32Array(H);
  let total = 0;
  for (let v = 0; v < model.vms.length; v++) {
    if (model.placement[v] === model.target[v]) continue;
    incoming[model.target[v]!]!++;
    outgoing[model.placement[v]!]!++;
    total++;
  }
  let lb = total > 0 ? Math.max(1, Math.ceil(total / model.maxPerWave)) : 0;
  for (let h = 0; h < H; h++) {
    if (incoming[h]) lb = Math.max(lb, Math.ceil(incoming[h]! / model.hosts[h]!.maxIncoming));
    if (outgoing[h]) lb = Math.max(lb, Math.ceil(outgoing[h]! / model.hosts[h]!.maxOutgoing));
  }
  return lb;
}

/** A set of hosts linked by migrations that must happen, none of which can start now. */
export interface Deadlock {
  hosts: number[];
  vms: number[];
  /** Least extra cost this deadlock adds to any plan (its share: see deadlockBounds). */
  extra: number;
}

export interface Bounds {
  /** Cost: each misplaced VM once, plus the extra moves deadlocks force. */
  cost: number;
  /** Waves: per-host counts, maxPerWave, and 2 when some VM's target must first be vacated. */
  waves: number;
  deadlocks: Deadlock[];
}

/**
 * The proven bounds. Deadlocks: join the hosts of every misplaced VM's source and target
 * into components. Take a component where no misplaced VM is admitted at its target now,
 * and, in a serial order of any plan (every plan has one: rules are monotone), the first
 * migration of a VM that starts on the component's hosts. Until then those hosts have only
 * gained VMs, so it cannot be a VM's final move to its target: it parks a misplaced VM
 * (one more migration of it) or moves a VM that is home (which must also come back).
 * Likewise, before the first VM reaches its target in the component, VMs that were on that
 * target must have left it, all by such extra migrations, freeing room enough for it (the
 * cheapest eviction set). Each of these migrations leaves a host of one component only (a
 * return trip enters its own), so the extras add up: per deadlock, the larger of the two.
 * Needs rules that look at one host at a time (else only the plain bounds).
 */
export function provenBounds(problem: Problem): Bounds {
  const { model, cost } = problem;
  const base = costLowerBound(problem);
  const counts = wavesLowerBound(model);
  if (base === 0) return { cost: base, waves: counts, deadlocks: [] };
  const state = new PlacementState(model, problem.usable);
  const frozen = frozenVms(problem);
  const disabled = Uint8Array.from(model.hosts, (h) => (h.disabled ? 1 : 0));
  const { rules } = problem;
  const admits = (v: number, h: number) => {
    if (disabled[h]) return false;
    for (let i = 0; i < rules.length; i++) if (!rules[i]!.admits(state, v, h)) return false;
    return true;
  };
  const minCost = (v: number) => cost.minCost?.(v) ?? cost.cost(v, model.placement[v]!, model.target[v]!);

  const deadlocks: Deadlock[] = [];
  const hostLocal = rulesAreHostLocal(problem);
  const vacate: number[] = []; // targets that must first be vacated
  for (const c of moveComponents(model)) {
    let blocked = 0;
    for (const v of c.vms) if (!admits(v, model.target[v]!)) { blocked++; vacate.push(model.target[v]!); }
    if (!hostLocal || blocked < c.vms.length) continue;
    let extra = Infinity;
    for (const h of c.hosts) {
      if (model.hosts[h]!.maxOutgoing <= 0) continue;
      for (const v of state.vmsOn(h)) {
        if (frozen[v]) continue;
        extra = Math.min(extra, model.target[v] === h ? 2 * minCost(v) : minCost(v));
      }
    }
    // Nothing can leave: the solvers find out (and explain) that no plan exists.
    if (extra === Infinity) continue;
    // The first VM to reach its target here needs room made on that target first.
    let entry = Infinity;
    for (const v of c.vms) entry = Math.min(entry, evictionCharge(problem, state, frozen, v, model.target[v]!, minCost));
    deadlocks.push({ ...c, extra: entry < Infinity ? Math.max(extra, entry) : extra });
  }
  const waves = Math.max(counts, groupWaves(problem), vacate.length === 0 || model.maxPerWave <= 0 ? 0 : hostLocal ? 1 + firstDeparture(problem, state, frozen, vacate) : 2);
  return { cost: base + deadlocks.reduce((s, d) => s + d.extra, 0), waves, deadlocks };
}

/** Waves a migration group needs: its misplaced members each migrate, at most `limit` per wave. */
function groupWaves(problem: Problem): number {
  const { placement, target } = problem.model;
  let lb = 0;
  for (const rule of problem.rules) {
    for (const g of rule.migrationGroups ?? []) {
      const moving = g.vms.filter((v) => placement[v] !== target[v]).length;
      if (moving) lb = Math.max(lb, Math.ceil(moving / Math.max(1, g.limit)));
    }
  }
  return lb;
}

/** Largest host (VMs) whose eviction sets are enumerated exactly; beyond, a fractional bound. */
const EXACT_EVICTION = 12;

/**
 * Least extra cost of the VMs that must leave `host` before `vm` is admitted there: each
 * leaves once (a VM that is home twice: it comes back), and together they free at least
 * what the capacity rule needs on every resource it limits. Infinity when no set will do.
 */
function evictionCharge(problem: Problem, state: PlacementState, frozen: Uint8Array, vm: number, host: number, minCost: (v: number) => number): number {
  const { model, usable } = problem;
  const R = model.resources.length;
  if (model.hosts[host]!.maxOutgoing <= 0) return Infinity;
  const items = [...state.vmsOn(host)].filter((u) => !frozen[u]);
  if (items.length === 0) return Infinity;
  const charge = items.map((u) => (model.target[u] === host ? 2 : 1) * minCost(u));
  const ownWay = new Set(problem.rules.flatMap((r) => r.limitsResources ?? []));
  const need: [number, number][] = [];
  for (let r = 0; r < R; r++) {
    const u = usable[host * R + r]!;
    if (ownWay.has(model.resources[r]!) || u === Infinity) continue;
    const n = state.load(host, r) + model.demand[vm * R + r]! - u - 1e-9 * Math.max(1, Math.abs(u));
    if (n > 0) need.push([r, n]);
  }
  // At least one VM leaves (the VM is not admitted now), whatever the rule that refuses it.
  const single = Math.min(...charge);
  if (need.length === 0) return single;
  const demand = (i: number, r: number) => model.demand[items[i]! * R + r]!;
  if (items.length <= EXACT_EVICTION) {
    let best = Infinity;
    for (let set = 1; set < 1 << items.length; set++) {
      let cost = 0;
      for (let i = 0; i < items.length; i++) if (set & (1 << i)) cost += charge[i]!;
      if (cost >= best) continue;
      const covers = need.every(([r, n]) => {
        let freed = 0;
        for (let i = 0; i < items.length; i++) if (set & (1 << i)) freed += demand(i, r);
        return freed >= n;
      });
      if (covers) best = cost;
    }
    return best;
  }
  // Fractional knapsack per resource: cheapest cost per unit freed first.
  let bound = single;
  for (const [r, n] of need) {
    const order = items.map((_, i) => i).filter((i) => demand(i, r) > 0).sort((a, b) => charge[a]! / demand(a, r) - charge[b]! / demand(b, r));
    let left = n;
    let cost = 0;
    for (const i of order) {
      const take = Math.min(1, left / demand(i, r));
      cost += take * charge[i]!;
      left -= take * demand(i, r);
      if (left <= 0) break;
    }
    bound = Math.max(bound, left > 1e-12 ? Infinity : cost);
  }
  return bound;
}

/**
 * Earliest wave in which some VM can leave one of the hosts to vacate (a VM headed there
 * enters one wave later at the earliest). A VM that no host admits now cannot start before
 * wave 2: some migration elsewhere must first end. Over a budget of hosts looked at, 1 (always true).
 */
function firstDeparture(problem: Problem, state: PlacementState, frozen: Uint8Array, hosts: number[], budget = 300_000): number {
  const { model, usable } = problem;
  const R = model.resources.length;
  const H = model.hosts.length;
  const ownWay = new Set(problem.rules.flatMap((r) => r.limitsResources ?? []));
  const limited = model.resources.map((name, r) => (ownWay.has(name) ? -1 : r)).filter((r) => r >= 0);
  const free = new Float64Array(H * R).fill(Infinity);
  const most = new Float64Array(R).fill(-Infinity);
  for (let h = 0; h < H; h++) {
    if (model.hosts[h]!.disabled || model.hosts[h]!.maxIncoming <= 0) continue;
    for (const r of limited) {
      const u = usable[h * R + r]!;
      // The capacity rule's tolerance, so that this quick test never refuses what it admits.
      free[h * R + r] = u === Infinity ? Infinity : u - state.load(h, r) + 1e-9 * Math.max(1, Math.abs(u));
      most[r] = Math.max(most[r]!, free[h * R + r]!);
    }
  }
  const fits = (v: number, h: number) => limited.every((r) => model.demand[v * R + r]! <= free[h * R + r]!);
  let asked = 0;
  const parkable = (v: number): boolean => {
    if (!limited.every((r) => model.demand[v * R + r]! <= most[r]!)) return false;
    for (let h = 0; h < H; h++) {
      if (++asked > budget) return true;
      if (h === model.placement[v] || !fits(v, h) || model.hosts[h]!.disabled || model.hosts[h]!.maxIncoming <= 0) continue;
      if (problem.rules.every((r) => r.admits(state, v, h))) return true;
    }
    return false;
  };
  let latest = 1;
  for (const t of new Set(hosts)) {
    let earliest = Infinity;
    if (model.hosts[t]!.maxOutgoing > 0) {
      for (const u of state.vmsOn(t)) {
        if (frozen[u]) continue;
        earliest = Math.min(earliest, parkable(u) ? 1 : 2);
        if (earliest === 1) break;
      }
    }
    if (earliest !== Infinity) latest = Math.max(latest, earliest);
  }
  return latest;
}

interface Component { hosts: number[]; vms: number[] }

/** Hosts joined by the misplaced VMs' source-target pairs. */
function moveComponents(model: Model): Component[] {
  const H = model.hosts.length;
  const parent = Int32Array.from({ length: H }, (_, i) => i);
  const find = (x: number): number => { while (parent[x] !== x) { parent[x] = parent[parent[x]!]!; x = parent[x]!; } return x; };
  const moving: number[] = [];
  for (let v = 0; v < model.vms.length; v++) {
    if (model.placement[v] === model.target[v]) continue;
    moving.push(v);
    const a = find(model.placement[v]!);
    const b = find(model.target[v]!);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  const byRoot = new Map<number, Component>();
  for (const v of moving) {
    const root = find(model.placement[v]!);
    let c = byRoot.get(root);
    if (!c) byRoot.set(root, (c = { hosts: [], vms: [] }));
    c.vms.push(v);
  }
  for (let h = 0; h < H; h++) byRoot.get(find(h))?.hosts.push(h);
  return [...byRoot.values()];
}
