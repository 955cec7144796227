/**
 * The dependency graph of a plan: for every migration, the migrations it must wait for,
 * so that migrations can start as soon as those are done instead of wave by wave.
 *
 * Migrations are numbered flat, wave after wave in plan order (wave 1's first migration is
 * 0). Migration m, of VM v from host a to host h in wave w, waits for:
 * 1. the previous migration of v (a VM moves from where it is);
 * 2. its concurrency slots: with c = maxOutgoing(a), the migration c places before it in the
 *    list of a's departures (plan order); the same on h's arrivals with maxIncoming(h), and
 *    on the whole plan with maxPerWave. Two migrations of one list that are c places or a
 *    multiple of c apart are then ordered, so at most c of the list run at once; the same on
 *    the migrations of each migration group (rules' migrationGroups) with its limit;
 * 3. the room it needs: every departure from h in a wave before w (when maxOutgoing(h) = c is
 *    finite the last c of them stand for all, through their own slot chain). This also covers
 *    anti-affinity and any other rule that only gets easier when VMs leave h.
 *    Refined (when the problem's rules are given) on hosts that take one arrival at a time
 *    (maxIncoming 1, so h's arrivals are ordered by their slot chain): only the first j of
 *    h's departures in plan order, j the least number (at least the previous arrival's) such
 *    that the rules hold on h with m in flight, every earlier arrival settled and every VM
 *    whose departure is not among those j still there. j never exceeds the departures of
 *    earlier waves, with which the rules hold (wave w of the verified plan);
 * 4. on "strict" hosts only: the arrivals at h of the last earlier wave that has any (so every
 *    earlier arrival is done). Rules that count a VM in flight more than a settled one (page
 *    sharing counts an arriving VM in full) need it; attachSchedule turns it on for the hosts
 *    where verifyDependencies finds a problem without it.
 * The lists are then transitively reduced.
 *
 * Why it is safe for monotone rules (adding a VM to a host never repairs a violation): let
 * w* be the latest wave of an arrival at h started by time t. All departures from h of
 * earlier waves are done (3), so every VM on h at t has a stay on h that began by wave w*
 * and ends in wave w* or later: it is on h during wave w* of the wave-by-wave plan, which
 * the replay verifier checked. With (4) the VMs in flight at t are in flight in wave w* too.
 * (The refined room of point 3 has its own argument; in every case attachSchedule has the
 * graph checked by verifyDependencyGraph and falls back to the plain and strict forms.)
 */
import type { Model } from '../model/model.js';
import type { MigrationGroup, Problem } from '../plugin-api.js';
import type { Move } from '../plan/moves.js';
import { PlacementState } from '../model/state.js';
import { reduceLists, type PredLists } from './graph.js';

/** A plan's migrations numbered flat, wave after wave. */
export interface FlatPlan {
  readonly n: number;
  readonly vm: Int32Array;
  readonly from: Int32Array;
  readonly to: Int32Array;
  /** 0-based wave of each migration. */
  readonly wave: Int32Array;
  /** Migrations of wave k: waveStart[k] .. waveStart[k + 1]. */
  readonly waveStart: Int32Array;
}

export function flatten(waves: readonly (readonly Move[])[]): FlatPlan {
  const n = waves.reduce((s, w) => s + w.length, 0);
  const vm = new Int32Array(n);
  const from = new Int32Array(n);
  const to = new Int32Array(n);
  const wave = new Int32Array(n);
  const waveStart = new Int32Array(waves.length + 1);
  let i = 0;
  waves.forEach((w, k) => {
    waveStart[k] = i;
    for (const m of w) { vm[i] = m.vm; from[i] = m.from; to[i] = m.to; wave[i] = k; i++; }
  });
  waveStart[waves.length] = i;
  return { n, vm, from, to, wave, waveStart };
}

/** Per host, its departures (by source) or arrivals (by destination), in plan order. */
export function byHost(H: number, n: number, host: Int32Array): { start: Int32Array; items: Int32Array } {
  const start = new Int32Array(H + 1);
  for (let i = 0; i < n; i++) start[host[i]! + 1]!++;
  for (let h = 0; h < H; h++) start[h + 1]! += start[h]!;
  const fill = start.slice(0, H);
  const items = new Int32Array(n);
  for (let i = 0; i < n; i++) items[fill[host[i]!]!++] = i;
  return { start, items };
}

export interface DependencyOptions {
  /** Hosts whose arrivals also wait for all earlier arrivals (point 4 above). */
  strict?: (host: number) => boolean;
  /** The problem (rules, usable amounts): refines the room an arrival waits for (point 3 above). */
  refine?: Problem;
  /** Hosts left out of the refinement. */
  unrefined?: (host: number) => boolean;
  /** Migration groups with their limits (default: the refining problem's rules' migrationGroups). */
  groups?: readonly MigrationGroup[];
}

/** The (transitively reduced) list of migrations each migration waits for. */
export function buildDependencies(model: Model, plan: FlatPlan, options: DependencyOptions = {}): number[][] {
  return reduceLists(dependencyEdges(model, plan, options).lists(plan.n));
}

/** The lists of points 1-4 above, before the transitive reduction (duplicates possible). */
export function dependencyLists(model: Model, plan: FlatPlan, options: DependencyOptions = {}): number[][] {
  const { start, items } = dependencyEdges(model, plan, options).lists(plan.n);
  return Array.from({ length: plan.n }, (_, m) => Array.from(items.subarray(start[m]!, start[m + 1]!)));
}

/** Edges "m waits for p" in the order they are found, in typed arrays (no array per migration). */
class Edges {
  private waiting: Int32Array;
  private awaited: Int32Array;
  private count = 0;

  /** Room for `capacity` edges before the arrays grow (each growth is a copy, and garbage). */
  constructor(capacity: number) {
    this.waiting = new Int32Array(Math.max(1024, capacity));
    this.awaited = new Int32Array(Math.max(1024, capacity));
  }

  push(m: number, p: number): void {
    if (this.count === this.waiting.length) {
      const grow = (a: Int32Array) => { const b = new Int32Array(a.length * 2); b.set(a); return b; };
      this.waiting = grow(this.waiting);
      this.awaited = grow(this.awaited);
    }
    this.waiting[this.count] = m;
    this.awaited[this.count++] = p;
  }

  /** Per migration of 0..n-1, the migrations it waits for, in the order found (CSR). */
  lists(n: number): PredLists {
    const start = new Int32Array(n + 1);
    for (let i = 0; i < this.count; i++) start[this.waiting[i]! + 1]!++;
    for (let m = 0; m < n; m++) start[m + 1]! += start[m]!;
    const fill = start.slice(0, n);
    const items = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) items[fill[this.waiting[i]!]!++] = this.awaited[i]!;
    return { start, items };
  }
}

function dependencyEdges(model: Model, plan: FlatPlan, options: DependencyOptions): Edges {
  const { n, from, to, wave } = plan;
  const H = model.hosts.length;
  // Three per migration (its VM's, and a slot on each host) and the room edges: most plans' count.
  const lists = new Edges(3 * n);

  // 1. Same VM (each migration's only edge of this kind, found first for it as before).
  const chains = vmChains(model.vms.length, plan);
  for (let i = 0; i < n; i++) if (chains.next[i]! >= 0) lists.push(chains.next[i]!, i);

  // 2. Slots.
  const out = byHost(H, n, from);
  const inc = byHost(H, n, to);
  const slots = (index: { start: Int32Array; items: Int32Array }, limit: (h: number) => number) => {
    for (let h = 0; h < H; h++) {
      const c = limit(h);
      if (!Number.isFinite(c)) continue;
      const s = index.start[h]!;
      const e = index.start[h + 1]!;
      for (let k = s + Math.max(1, c); k < e; k++) lists.push(index.items[k]!, index.items[k - Math.max(1, c)]!);
    }
  };
  slots(out, (h) => model.hosts[h]!.maxOutgoing);
  slots(inc, (h) => model.hosts[h]!.maxIncoming);
  if (Number.isFinite(model.maxPerWave)) {
    const c = Math.max(1, model.maxPerWave);
    for (let i = c; i < n; i++) lists.push(i, i - c);
  }
  groupSlots(plan, options, lists);

  // 3. Room: departures from the destination in earlier waves (or the refined number of
  // them). 4. Strict hosts: earlier arrivals.
  const need = options.refine ? roomNeeds(options.refine, plan, { out, inc, chains }, options.unrefined) : undefined;
  for (let h = 0; h < H; h++) {
    const ds = out.start[h]!;
    const de = out.start[h + 1]!;
    const as = inc.start[h]!;
    const ae = inc.start[h + 1]!;
    if (ae === as) continue;
    const c = model.hosts[h]!.maxOutgoing;
    const strict = options.strict?.(h) ?? false;
    let d = ds; // departures [ds, d) are in earlier waves than the current arrival
    for (let k = as; k < ae; k++) {
      const m = inc.items[k]!;
      const w = wave[m]!;
      while (d < de && wave[out.items[d]!]! < w) d++;
      const upto = need && need[m]! >= 0 ? ds + need[m]! : d;
      const first = Number.isFinite(c) ? Math.max(ds, upto - Math.max(1, c)) : ds;
      for (let j = first; j < upto; j++) lists.push(m, out.items[j]!);
      if (strict) {
        // arrivals of the latest earlier wave that has some
        let j = k - 1;
        while (j >= as && wave[inc.items[j]!]! === w) j--;
        if (j >= as) {
          const w0 = wave[inc.items[j]!]!;
          for (; j >= as && wave[inc.items[j]!]! === w0; j--) lists.push(m, inc.items[j]!);
        }
      }
    }
  }
  return lists;
}

/** Slot chains of migration groups: a group's migration waits for the one `limit` places before it among the group's. */
function groupSlots(plan: FlatPlan, options: DependencyOptions, lists: Edges): void {
  const groups: readonly MigrationGroup[] = options.groups ?? options.refine?.rules.flatMap((r) => r.migrationGroups ?? []) ?? [];
  if (!groups.length) return;
  const members = new Map<number, number[]>();
  groups.forEach((g, i) => {
    for (const v of g.vms) {
      const list = members.get(v);
      if (list) list.push(i); else members.set(v, [i]);
    }
  });
  const byGroup: number[][] = groups.map(() => []);
  for (let m = 0; m < plan.n; m++) for (const i of members.get(plan.vm[m]!) ?? []) byGroup[i]!.push(m);
  byGroup.forEach((ms, i) => {
    const c = Math.max(1, groups[i]!.limit);
    for (let k = c; k < ms.length; k++) lists.push(ms[k]!, ms[k - c]!);
  });
}

/** Each VM's migrations in plan order: the next one after each migration (-1: none), and each VM's first (-1: none). */
interface VmChains { readonly next: Int32Array; readonly first: Int32Array }

function vmChains(vms: number, plan: FlatPlan): VmChains {
  const next = new Int32Array(plan.n);
  const first = new Int32Array(vms).fill(-1); // while filling: the VM's earliest migration after i
  for (let i = plan.n - 1; i >= 0; i--) {
    next[i] = first[plan.vm[i]!]!;
    first[plan.vm[i]!] = i;
  }
  return { next, first };
}

/** The plan's migrations per host, and per VM. */
interface PlanIndex {
  readonly out: { start: Int32Array; items: Int32Array };
  readonly inc: { start: Int32Array; items: Int32Array };
  readonly chains: VmChains;
}

/**
 * Per arrival m at a host with maxIncoming 1: how many of the host's departures (in plan
 * order) must be done before m starts; -1 elsewhere (all departures of earlier waves).
 */
function roomNeeds(problem: Problem, plan: FlatPlan, index: PlanIndex, unrefined?: (host: number) => boolean): Int32Array {
  const { model, rules } = problem;
  const { n, vm, from, wave } = plan;
  const { out, inc } = index;
  const H = model.hosts.length;
  const need = new Int32Array(n).fill(-1);
  // The migration that ends a stay: each VM's next migration after a given one, and its first.
  const { next, first } = index.chains;
  const state = new PlacementState(model, problem.usable);
  const stayEnd = new Int32Array(model.vms.length).fill(-1); // departure ending the VM's stay on the current host
  const ok = (hosts: readonly number[]) => {
    for (const r of rules) if (r.check(state, hosts).length > 0) return false;
    return true;
  };
  // VMs moved on the state, kept from host to host (an array emptied with `length = 0` is allocated again as it grows).
  let touched = new Int32Array(64);
  let on = new Int32Array(64);
  for (let h = 0; h < H; h++) {
    const as = inc.start[h]!;
    const ae = inc.start[h + 1]!;
    if (ae === as || model.hosts[h]!.maxIncoming > 1 || unrefined?.(h)) continue;
    const ds = out.start[h]!;
    const de = out.start[h + 1]!;
    const parking = h === 0 ? 1 : 0;
    const hosts = [h];
    // x and the departures' VMs, at most one each per arrival and per departure
    touched = atLeast(touched, ae - as + de - ds);
    let moved = 0;
    on = atLeast(on, state.countOn(h));
    const count = state.copyVmsOn(h, on);
    for (let i = 0; i < count; i++) stayEnd[on[i]!] = first[on[i]!]!;
    let j = 0; // departures applied
    let limit = 0; // departures of earlier waves
    let failed = false;
    for (let k = as; k < ae && !failed; k++) {
      const m = inc.items[k]!;
      const x = vm[m]!;
      while (ds + limit < de && wave[out.items[ds + limit]!]! < wave[m]!) limit++;
      // x leaves its earlier stay here, if any (its own earlier migrations precede m).
      touched[moved++] = x;
      if (state.hostOf(x) !== from[m]) state.relocate(x, from[m]!);
      state.beginMove(x, h);
      for (;;) {
        if (ok(hosts)) break;
        if (j >= limit) { failed = true; break; }
        const d = out.items[ds + j]!;
        const u = vm[d]!;
        if (state.hostOf(u) === h && state.destinationOf(u) < 0 && stayEnd[u] === d) { state.relocate(u, parking); touched[moved++] = u; }
        j++;
      }
      need[m] = j;
      state.cancelMove(x);
      state.relocate(x, h);
      stayEnd[x] = next[m]!;
    }
    if (failed) for (let k = as; k < ae; k++) need[inc.items[k]!] = -1;
    for (let i = 0; i < moved; i++) {
      const u = touched[i]!;
      if (state.hostOf(u) !== model.placement[u]) state.relocate(u, model.placement[u]!);
    }
  }
  return need;
}

/** `buffer`, or a larger one when it holds fewer than `size` numbers. */
function atLeast(buffer: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  return buffer.length >= size ? buffer : new Int32Array(2 * size);
}
