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
  /** Set when a deadlock can never start: nothing on or into its hosts can move. */
  infeasible?: Deadlock;
}

/**
 * The proven bounds. Deadlocks: join the hosts of every misplaced VM's source and target
 * into components. In a component where no misplaced VM is admitted at its target now, the
 * first migration that touches its hosts (in any serial order of any plan) is not a final
 * move: it parks a VM of the component, moves a VM that is home, or brings in a VM from
 * elsewhere, and costs at least that VM's least migration cost beyond the "each misplaced
 * VM moves once" bound. One migration touches at most two components, so a candidate that
 * could start two deadlocks at once counts half for each: the sum over deadlocks stays a
 * lower bound. Needs rules that look at one host at a time (else only the plain bounds).
 */
export function provenBounds(problem: Problem, options: { budget?: number } = {}): Bounds {
  const { model } = problem;
  const base = costLowerBound(problem);
  const counts = wavesLowerBound(model);
  const plain: Bounds = { cost: base, waves: counts, deadlocks: [] };
  if (base === 0) return plain;
  const state = new PlacementState(model, problem.usable);
  const frozen = frozenVms(problem);
  const admits = (v: number, h: number) => !model.hosts[h]!.disabled && model.hosts[h]!.maxIncoming > 0
    && model.hosts[model.placement[v]!]!.maxOutgoing > 0 && problem.rules.every((r) => r.admits(state, v, h));

  const components = moveComponents(model);
  let vacateFirst = false;
  const stuck: number[][] = [];
  for (const c of components) {
    const blocked = c.vms.every((v) => !admits(v, model.target[v]!));
    if (c.vms.some((v) => !admits(v, model.target[v]!))) vacateFirst = true;
    if (blocked) stuck.push(c.hosts);
  }
  const waves = Math.max(counts, vacateFirst && model.maxPerWave > 0 ? 2 : 0);
  if (!rulesAreHostLocal(problem) || stuck.length === 0) return { ...plain, waves };

  const deadlocks = chargeDeadlocks(problem, state, frozen, components, stuck, admits, options.budget ?? 2_000_000);
  const infeasible = deadlocks.find((d) => d.extra === Infinity);
  const extra = deadlocks.reduce((s, d) => s + (d.extra === Infinity ? 0 : d.extra), 0);
  return { cost: base + extra, waves, deadlocks, ...(infeasible ? { infeasible } : {}) };
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

function chargeDeadlocks(
  problem: Problem, state: PlacementState, frozen: Uint8Array, components: Component[], stuck: number[][],
  admits: (v: number, h: number) => boolean, budget: number,
): Deadlock[] {
  const { model, cost } = problem;
  const H = model.hosts.length;
  const minCost = (v: number) => cost.minCost?.(v) ?? cost.cost(v, model.placement[v]!, model.target[v]!);
  const deadlockOf = new Int32Array(H).fill(-1);
  stuck.forEach((hosts, i) => { for (const h of hosts) deadlockOf[h] = i; });
  const byHosts = new Map(components.map((c) => [c.hosts[0]!, c]));
  const fits = roomTest(problem, state, frozen);
  // Roomiest hosts first: a VM's first possible migration is found after few questions.
  const roomiest = [...Array(H).keys()].sort((a, b) => fits.room[b]! - fits.room[a]! || a - b);
  // Deadlocked hosts that could take some VM at all (usually none: they are full).
  const open = roomiest.filter((h) => deadlockOf[h]! >= 0 && fits.any(h));
  const movers = [...Array(model.vms.length).keys()].filter((v) => !frozen[v]).sort((a, b) => minCost(a) - minCost(b) || a - b);
  let asked = 0;
  const ask = (v: number, h: number) => (!fits.vm(v, h) ? false : ++asked > budget ? undefined : admits(v, h));

  return stuck.map((hosts, i) => {
    const vms = byHosts.get(hosts[0]!)!.vms;
    let best = Infinity;
    let exhausted = false;
    /** Charge for v's first migration: half if it could also start another deadlock, else full. */
    const firstMove = (v: number, targets: Iterable<number>, shared: (h: number) => boolean): void => {
      for (const h of targets) {
        if (h === model.placement[v]) continue;
        const charge = shared(h) ? minCost(v) / 2 : minCost(v);
        if (charge >= best) continue;
        const yes = ask(v, h);
        if (yes === undefined) { exhausted = true; return; }
        if (yes) best = charge;
      }
    };
    const local = hosts.flatMap((h) => [...state.vmsOn(h)]).filter((v) => !frozen[v]).sort((a, b) => minCost(a) - minCost(b) || a - b);
    for (const v of local) {
      if (minCost(v) / 2 >= best || exhausted) break;
      // A VM of these hosts steps off first: onto another deadlock's host (shared), or anywhere else.
      firstMove(v, open.filter((h) => deadlockOf[h] !== i), () => true);
      if (!exhausted) firstMove(v, firstAdmitting(v), () => false);
    }
    // Or a VM from elsewhere comes in first (only into hosts with some room).
    const mine = open.filter((h) => deadlockOf[h] === i);
    for (const v of mine.length ? movers : []) {
      if (minCost(v) / 2 >= best || exhausted) break;
      const from = model.placement[v]!;
      if (deadlockOf[from] === i) continue;
      firstMove(v, mine, () => deadlockOf[from]! >= 0);
    }
    return { hosts, vms, extra: exhausted ? 0 : best };

    /** Hosts outside other deadlocks, roomiest first, up to the first that admits v. */
    function* firstAdmitting(v: number): Iterable<number> {
      for (const h of roomiest) {
        if (deadlockOf[h]! >= 0 && deadlockOf[h] !== i) continue;
        yield h;
        if (best <= minCost(v)) return;
      }
    }
  });
}

/**
 * A quick necessary test before asking the rules: the VM's demand fits the free amount of
 * every resource the capacity rule limits (rules are monotone, so capacity must hold).
 */
function roomTest(problem: Problem, state: PlacementState, frozen: Uint8Array) {
  const { model, usable } = problem;
  const R = model.resources.length;
  const H = model.hosts.length;
  const ownWay = new Set(problem.rules.flatMap((r) => r.limitsResources ?? []));
  const limited = model.resources.map((name, r) => (ownWay.has(name) ? -1 : r)).filter((r) => r >= 0);
  const free = new Float64Array(H * R).fill(Infinity);
  const room = new Float64Array(H).fill(Infinity);
  for (let h = 0; h < H; h++) {
    for (const r of limited) {
      const u = usable[h * R + r]!;
      if (u === Infinity) continue;
      free[h * R + r] = u - state.load(h, r);
      room[h] = Math.min(room[h]!, free[h * R + r]! / Math.max(u, 1));
    }
  }
  const least = new Float64Array(R).fill(Infinity);
  for (let v = 0; v < model.vms.length; v++) {
    if (frozen[v]) continue;
    for (const r of limited) least[r] = Math.min(least[r]!, model.demand[v * R + r]!);
  }
  // The capacity rule's own tolerance, relative to the usable amount.
  const within = (d: number, h: number, r: number) => d <= free[h * R + r]! + 1e-9 * Math.max(1, Math.abs(usable[h * R + r]!));
  return {
    room,
    vm: (v: number, h: number) => limited.every((r) => within(model.demand[v * R + r]!, h, r)),
    any: (h: number) => limited.every((r) => within(least[r]!, h, r)),
  };
}
