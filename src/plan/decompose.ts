/**
 * Splits a rearrangement into parts that cannot interact, so that each is planned
 * (or proven) on its own and the plans are merged wave by wave.
 *
 * Two hosts are linked when a VM that must move goes from one to the other, or when a
 * VM on one could ever be admitted on the other (asked with every VM that can ever leave
 * that host taken off: rules are monotone, so that is the most room it can ever have). A part is
 * a connected set of linked hosts holding at least one misplaced VM. A VM only ever
 * moves between linked hosts, so no plan of one part touches another part's hosts:
 * with rules that look at one host at a time, parts planned apart and merged give the
 * same feasibility and the same least cost as planning them together, and a lower
 * bound proven for each part adds up.
 */
import type { Problem } from '../plugin-api.js';
import type { Model } from '../model/model.js';
import { PlacementState } from '../model/state.js';

export interface Part {
  /** Hosts of the part (sorted): where its VMs are, must go, or could ever be. */
  hosts: number[];
  /** Its VMs away from their targets (sorted). */
  misplaced: number[];
  /** Its VMs that can ever move (sorted): the misplaced ones that may move, and bystanders that could step aside. */
  movable: number[];
}

/** Built-in rules whose verdict on a host depends only on the VMs on that host. */
const HOST_LOCAL_RULES = new Set(['capacity', 'headroom', 'anti-affinity', 'pin', 'zone', 'sharing',
  // A move budget per VM (no state check), or a live move refused for the VM's own route (its
  // worst-case estimate does not depend on other migrations), keeps parts independent.
  'max-moves', 'downtime',
  // Group concurrency never changes feasibility or cost (any plan runs one migration at a time);
  // independentParts links the hosts of each group's movable VMs, so a group lies in one part.
  'group-concurrency']);

/** True when every active rule looks at one host at a time (what decomposition and the deadlock bound rely on). */
export function rulesAreHostLocal(problem: Problem): boolean {
  return problem.rules.every((r) => HOST_LOCAL_RULES.has(r.name));
}

/** VMs that some rule forbids to move at all. */
export function frozenVms(problem: Problem): Uint8Array {
  const frozen = new Uint8Array(problem.model.vms.length);
  for (const rule of problem.rules) {
    if (!rule.movable) continue;
    for (let v = 0; v < frozen.length; v++) if (!rule.movable(v)) frozen[v] = 1;
  }
  return frozen;
}

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) { this.parent = Int32Array.from({ length: n }, (_, i) => i); }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) { p[x] = p[p[x]!]!; x = p[x]!; }
    return x;
  }
  union(a: number, b: number): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
    return true;
  }
}

export interface DecomposeOptions {
  /** Placement to start from (default: the instance's). */
  placement?: Int32Array;
  /** Host x VM pairs looked at before giving up (the answer is then one part holding everything). */
  budget?: number;
}

/**
 * The independent parts of the problem, smallest first. When the rules are not known to
 * be host-local or the budget runs out, one part holds every host and VM (always correct).
 */
export function independentParts(problem: Problem, options: DecomposeOptions = {}): Part[] {
  const { model } = problem;
  const placement = options.placement ?? model.placement;
  const H = model.hosts.length;
  const V = model.vms.length;
  const frozen = frozenVms(problem);
  const misplaced = [...Array(V).keys()].filter((v) => placement[v] !== model.target[v]);
  if (misplaced.length === 0) return [];
  const whole = (): Part[] => [partOf([...Array(H).keys()], misplaced, [...Array(V).keys()].filter((v) => !frozen[v]))];
  if (!rulesAreHostLocal(problem)) return whole();

  const links = new UnionFind(H);
  for (const v of misplaced) links.union(placement[v]!, model.target[v]!);
  const reach = reachableHosts(problem, placement, frozen, links, options.budget ?? 1_000_000);
  if (!reach) return whole();
  for (const rule of problem.rules) {
    for (const g of rule.migrationGroups ?? []) {
      const hosts = g.vms.filter((v) => !frozen[v] && (reach[v] || placement[v] !== model.target[v])).map((v) => placement[v]!);
      for (const h of hosts) links.union(hosts[0]!, h);
    }
  }

  const byRoot = new Map<number, { hosts: number[]; misplaced: number[]; movable: number[] }>();
  const group = (root: number) => {
    let g = byRoot.get(root);
    if (!g) byRoot.set(root, (g = { hosts: [], misplaced: [], movable: [] }));
    return g;
  };
  for (const v of misplaced) group(links.find(placement[v]!)).misplaced.push(v);
  for (let h = 0; h < H; h++) byRoot.get(links.find(h))?.hosts.push(h);
  for (let v = 0; v < V; v++) {
    // A misplaced VM stays in even when it can never move: the search must then fail on it, not ignore it.
    if (frozen[v] || (!reach[v] && placement[v] === model.target[v])) continue;
    byRoot.get(links.find(placement[v]!))?.movable.push(v);
  }
  return [...byRoot.values()]
    .map((g) => partOf(g.hosts, g.misplaced, g.movable))
    .sort((a, b) => a.movable.length - b.movable.length || a.hosts.length - b.hosts.length || a.hosts[0]! - b.hosts[0]!);
}

function partOf(hosts: number[], misplaced: number[], movable: number[]): Part {
  return { hosts, misplaced, movable };
}

/**
 * Links every host to the hosts its VMs could ever be admitted on; returns per VM whether
 * it could ever move (undefined when the budget of pairs looked at ran out). A fixpoint: a
 * host is asked with the VMs known to be able to leave it taken off (at first none). Any
 * migration in any plan is admitted on a host holding at least its VMs that never leave,
 * so, by induction over the plan and because rules are monotone, the fixpoint answers yes
 * for it: the links over-approximate every move that can ever happen.
 */
function reachableHosts(problem: Problem, placement: Int32Array, frozen: Uint8Array, links: UnionFind, budget: number): Uint8Array | undefined {
  const { model } = problem;
  const H = model.hosts.length;
  const V = model.vms.length;
  const state = new PlacementState(model, problem.usable, placement);
  const canMove = new Uint8Array(V);
  const senders = [...Array(V).keys()].filter((v) => !frozen[v] && model.hosts[placement[v]!]!.maxOutgoing > 0);
  // Identical VMs (demand, group, image, home zone: all a built-in rule looks at) get one question per host.
  const R = model.resources.length;
  // A VM with a downtime SLA is asked alone: its answer depends on its source host and its guest.
  const signature = (v: number) => (model.vms[v]!.sla.maxDowntimeMs !== undefined ? `#${v}`
    : `${Array.from(model.demand.subarray(v * R, v * R + R)).join(',')}|${model.vms[v]!.group ?? ''}|${model.vms[v]!.image ?? ''}|${model.hosts[model.placement[v]!]!.zone ?? ''}`);
  const signatures = senders.map(signature);
  let asked = 0;
  for (let changed = true; changed;) {
    changed = false;
    for (let h = 0; h < H; h++) {
      const host = model.hosts[h]!;
      if (host.disabled || host.maxIncoming <= 0 || model.maxPerWave <= 0) continue;
      const away: number[] = [];
      for (const u of state.vmsOn(h)) if (canMove[u]) away.push(u);
      for (const u of away) state.withdraw(u);
      const answered = new Map<string, boolean>();
      if ((asked += senders.length) > budget) { for (const w of away) state.restore(w); return undefined; }
      for (let i = 0; i < senders.length; i++) {
        const u = senders[i]!;
        const from = placement[u]!;
        if (from === h || (canMove[u] && links.find(from) === links.find(h))) continue;
        let yes = answered.get(signatures[i]!);
        if (yes === undefined) {
          yes = problem.rules.every((r) => r.admits(state, u, h));
          answered.set(signatures[i]!, yes);
        }
        if (!yes) continue;
        if (!canMove[u]) { canMove[u] = 1; changed = true; }
        if (links.union(from, h)) changed = true;
      }
      for (const u of away) state.restore(u);
    }
  }
  return canMove;
}

/** Hosts that the target leaves empty (being drained) and that hold VMs now. */
export function drainedHosts(model: Model, placement: Int32Array = model.placement): Uint8Array {
  const H = model.hosts.length;
  const keeps = new Uint8Array(H);
  const holds = new Uint8Array(H);
  for (let v = 0; v < model.vms.length; v++) { keeps[model.target[v]!] = 1; holds[placement[v]!] = 1; }
  const drained = new Uint8Array(H);
  for (let h = 0; h < H; h++) drained[h] = holds[h] && !keeps[h] ? 1 : 0;
  return drained;
}
