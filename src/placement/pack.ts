/**
 * The packing core the strategies share: a draft target, the question "may this VM
 * end on that host?" asked of every active rule (and of the strategy's own headroom),
 * and the moves strategies are built from: first-fit / best-fit / sharing-first
 * choices, draining a host into others, repacking from scratch, sending VMs home.
 *
 * Reachability: a target where no host both sends and receives VMs is reachable
 * in any order, one migration at a time, under monotone rules whose verdict depends
 * on the set of VMs on a host (every destination only gains VMs it will hold in the
 * end). Draining and evacuating keep that shape; the sharing rule's targetAdmits adds
 * the memory an arrival needs before its pages are merged.
 */
import type { Problem, SanityRule } from '../plugin-api.js';
import type { Model } from '../model/model.js';
import { exceeds } from '../model/state.js';
import { Draft } from './draft.js';
import { isSharingRule, type SharingRule, type SharingTree } from './sharing-tree.js';
import { directReach } from './reach.js';

/** A fraction per resource name, or one for all. */
export type Fractions = number | Record<string, number>;

export interface PackerOptions {
  /** Fraction of each resource the strategy keeps free on hosts it adds VMs to. */
  headroom?: Fractions;
  /** Sharing tree used to score co-location when no sharing rule is active (no effect on what fits). */
  tree?: SharingTree;
}

export type ChoiceMode = 'first-fit' | 'best-fit' | 'worst-fit' | 'sharing';

export function fractionFor(f: Fractions | undefined, resource: string): number {
  if (f === undefined) return 0;
  return typeof f === 'number' ? f : (f[resource] ?? 0);
}

export class Packer {
  readonly model: Model;
  readonly R: number;
  readonly H: number;
  readonly V: number;
  /** VMs some rule forbids to move: they stay at their placement. */
  readonly fixed: Uint8Array;
  /** Per host × resource: usable × (1 - headroom). */
  readonly limit: Float64Array;
  /** Per resource: the largest finite usable amount (to compare resources), 0 when unlimited everywhere. */
  readonly ref: Float64Array;
  /** Per VM: demand summed over resources, each relative to ref. */
  readonly size: Float64Array;
  readonly sharing: SharingRule | undefined;
  /** The sharing rule's tree, else the one given for scoring. */
  readonly tree: SharingTree | undefined;
  /** Index of the shared resource, -1 without a sharing rule. */
  readonly shared: number;
  readonly draft: Draft;
  private readonly rules: SanityRule[];
  private readonly effCache: Float64Array;
  private readonly effDirty: Uint8Array;
  private readonly baseCache: Float64Array;
  private readonly baseDirty: Uint8Array;
  /** Per VM: the sum of its slices, the most it can ever save. */
  private readonly shareable: Float64Array;
  /** node id -> host -> VMs of that node on the host (sharing only). */
  private readonly nodeHosts: Map<number, number>[] = [];

  constructor(readonly problem: Problem, readonly options: PackerOptions = {}, start?: Int32Array) {
    const { model, usable } = problem;
    this.model = model;
    this.R = model.resources.length;
    this.H = model.hosts.length;
    this.V = model.vms.length;
    const R = this.R;
    this.fixed = new Uint8Array(this.V);
    for (const rule of problem.rules) {
      if (!rule.movable) continue;
      for (let v = 0; v < this.V; v++) if (!rule.movable(v)) this.fixed[v] = 1;
    }
    this.limit = new Float64Array(this.H * R);
    this.ref = new Float64Array(R);
    for (let r = 0; r < R; r++) {
      const f = fractionFor(options.headroom, model.resources[r]!);
      for (let h = 0; h < this.H; h++) {
        const u = usable[h * R + r]!;
        this.limit[h * R + r] = u === Infinity ? Infinity : u * (1 - f);
        if (u !== Infinity && u > this.ref[r]!) this.ref[r] = u;
      }
    }
    this.size = new Float64Array(this.V);
    for (let v = 0; v < this.V; v++) {
      let s = 0;
      for (let r = 0; r < R; r++) if (this.ref[r]! > 0) s += model.demand[v * R + r]! / this.ref[r]!;
      this.size[v] = s;
    }
    this.sharing = problem.rules.find(isSharingRule);
    this.shared = this.sharing ? this.sharing.sharing.resource : -1;
    this.tree = this.sharing?.sharing ?? options.tree;
    this.rules = problem.rules.filter((r) => r !== this.sharing);
    this.shareable = new Float64Array(this.V);
    if (this.sharing && this.shared >= 0) {
      const tree = this.sharing.sharing;
      for (let v = 0; v < this.V; v++) for (let k = 0; k < tree.L; k++) this.shareable[v]! += tree.slice[v * tree.L + k]!;
    }
    this.effCache = new Float64Array(this.H);
    this.effDirty = new Uint8Array(this.H).fill(1);
    this.baseCache = new Float64Array(this.H);
    this.baseDirty = new Uint8Array(this.H).fill(1);
    if (this.tree) for (let n = 0; n < this.tree.nodeCount; n++) this.nodeHosts.push(new Map());
    this.draft = new Draft(model, usable);
    this.reset(start ?? model.placement);
  }

  /** Starts over from a placement (every VM placed), or with only the fixed VMs placed (null). */
  reset(start: Int32Array | null): void {
    for (let v = 0; v < this.V; v++) this.remove(v);
    for (let v = 0; v < this.V; v++) {
      const h = start ? start[v]! : this.fixed[v] ? this.model.placement[v]! : -1;
      if (h >= 0) this.place(v, h);
    }
  }

  place(vm: number, host: number): void {
    const old = this.draft.hostOf(vm);
    if (old === host) return;
    if (old >= 0) this.remove(vm);
    this.draft.place(vm, host);
    this.effDirty[host] = 1;
    this.baseDirty[host] = 1;
    this.index(vm, host, 1);
  }

  remove(vm: number): void {
    const old = this.draft.hostOf(vm);
    if (old < 0) return;
    this.draft.remove(vm);
    this.effDirty[old] = 1;
    this.baseDirty[old] = 1;
    this.index(vm, old, -1);
  }

  used(host: number): boolean {
    return this.draft.countOn(host) > 0;
  }

  usedHosts(): number {
    return this.draft.usedHosts();
  }

  /** The finished target (every VM placed). */
  target(): Int32Array {
    const t = this.draft.snapshot();
    const missing = t.indexOf(-1);
    if (missing >= 0) throw new Error(`VM ${this.model.vms[missing]!.name} was left without a host`);
    return t;
  }

  /** Load of a resource on a host, the shared resource after sharing. */
  loadOf(host: number, r: number): number {
    if (r === this.shared) {
      if (this.effDirty[host]) {
        this.effCache[host] = this.sharing!.sharing.footprint(this.draft.vmsOn(host));
        this.effDirty[host] = 0;
      }
      return this.effCache[host]!;
    }
    return this.draft.load(host, r);
  }

  /** Free room left on the host, summed over resources relative to ref (headroom limits). */
  room(host: number): number {
    let s = 0;
    const R = this.R;
    for (let r = 0; r < R; r++) {
      const l = this.limit[host * R + r]!;
      if (l === Infinity || this.ref[r] === 0) continue;
      s += (l - this.loadOf(host, r)) / this.ref[r]!;
    }
    return s;
  }

  /** Rough marginal saving of vm joining the host, relative to ref (the index knows which nodes are there). */
  sharingGain(vm: number, host: number): number {
    const tree = this.tree;
    if (!tree || tree.resource < 0) return 0;
    const m = this.gainAbs(vm, host);
    return this.ref[tree.resource]! > 0 ? m / this.ref[tree.resource]! : 0;
  }

  /** Upper bound of the memory vm saves on the host: its slices at the tree nodes present there. */
  gainAbs(vm: number, host: number): number {
    const tree = this.tree;
    if (!tree || tree.resource < 0) return 0;
    const L = tree.L;
    let m = 0;
    for (let k = 0; k < L; k++) {
      const n = tree.node[vm * L + k]!;
      if (n < 0) break;
      const c = this.nodeHosts[n]!.get(host) ?? 0;
      const mine = this.draft.hostOf(vm) === host ? 1 : 0;
      if (c - mine > 0) m += tree.slice[vm * L + k]!;
      else break; // deeper nodes are below this one: absent too
    }
    return m;
  }

  /** The sharing rule's need of the host as it is: settled load after sharing plus its worst arrival. */
  private baseOf(host: number): number {
    if (this.baseDirty[host]) {
      this.baseCache[host] = this.sharing!.sharing.targetLoad(this.draft, -1, host);
      this.baseDirty[host] = 0;
    }
    return this.baseCache[host]!;
  }

  /**
   * May vm end on host, given the draft? The strategy's headroom, then every rule:
   * the sharing rule through targetAdmits (room for the last arrival before its
   * pages merge), the others through admits. The VM must not be on the host.
   */
  fits(vm: number, host: number): boolean {
    if (this.fixed[vm] && host !== this.model.placement[vm]) return false;
    const R = this.R;
    const d = this.model.demand;
    for (let r = 0; r < R; r++) {
      if (r === this.shared) continue;
      if (exceeds(this.draft.load(host, r) + d[vm * R + r]!, this.limit[host * R + r]!)) return false;
    }
    if (this.sharing && this.shared >= 0) {
      const lim = Math.min(this.limit[host * R + this.shared]!, this.sharing.limitOf(host));
      if (lim !== Infinity) {
        const tree = this.sharing.sharing;
        // Quick reject: the host's own need (settled load and its worst arrival) only
        // grows with vm, which saves at most its slices at the nodes present there.
        const gain = Math.min(this.shareable[vm]!, this.gainAbs(vm, host));
        if (exceeds(this.baseOf(host) + tree.demandOf(vm) - gain, lim)) return false;
        // The rule's targetAdmits, against the headroom limit as well.
        if (exceeds(tree.targetLoad(this.draft, vm, host), lim)) return false;
      }
    }
    for (const rule of this.rules) if (!rule.admits(this.draft, vm, host)) return false;
    return true;
  }

  /**
   * The best host among candidates for vm (not `except`), or -1:
   * first-fit: the first that fits; best-fit: least room left; worst-fit: most room
   * left; sharing: most shared memory, then least room left.
   */
  choose(vm: number, candidates: Iterable<number>, mode: ChoiceMode, except = -1): number {
    let best = -1;
    let bestKey = Infinity;
    let bestKey2 = Infinity;
    const sz = this.size[vm]!;
    for (const h of candidates) {
      if (h === except || h === this.draft.hostOf(vm)) continue;
      if (mode === 'first-fit') {
        if (this.fits(vm, h)) return h;
        continue;
      }
      let key: number;
      let key2 = 0;
      if (mode === 'best-fit') key = this.room(h) - sz;
      else if (mode === 'worst-fit') key = -(this.room(h) - sz);
      else { const g = this.sharingGain(vm, h); key = -g; key2 = this.room(h) - sz + g; }
      if (key > bestKey || (key === bestKey && key2 >= bestKey2)) continue;
      if (!this.fits(vm, h)) continue;
      best = h; bestKey = key; bestKey2 = key2;
    }
    return best;
  }

  /** VMs in decreasing size (ties by index). */
  decreasing(vms: Iterable<number>): number[] {
    return [...vms].sort((a, b) => this.size[b]! - this.size[a]! || a - b);
  }

  /**
   * Empties each host of `order` in turn into the hosts that are used and not
   * drained (best choice by mode), keeping what it cannot fully empty. Stops when
   * only minHosts hosts are used. Returns the hosts it emptied.
   */
  drain(order: readonly number[], mode: ChoiceMode, minHosts = 0, mayReceive: (h: number) => boolean = () => true): number[] {
    const drained: number[] = [];
    const gone = new Uint8Array(this.H);
    let receivers = [...Array(this.H).keys()].filter((h) => this.used(h));
    let usedCount = receivers.length;
    for (const h of order) {
      if (usedCount <= minHosts) break;
      if (!this.used(h)) continue;
      const vms = this.decreasing(this.draft.vmsOn(h));
      if (vms.some((v) => this.fixed[v])) continue;
      for (const v of vms) this.remove(v);
      let ok = true;
      const pool = receivers.filter((g) => g !== h && !gone[g] && mayReceive(g));
      for (const v of vms) {
        const g = this.choose(v, pool, mode);
        if (g < 0) { ok = false; break; }
        this.place(v, g);
      }
      if (!ok) {
        for (const v of vms) this.place(v, h);
        continue;
      }
      gone[h] = 1;
      drained.push(h);
      usedCount--;
      if (drained.length % 64 === 0) receivers = receivers.filter((g) => !gone[g]);
    }
    return drained;
  }

  /**
   * Packs from scratch: fixed VMs at home, then every other VM of `order`:
   * first-fit over hostOrder, or (other modes) home when it is open and fits
   * (sticky), else the best open host, else the next host of hostOrder that fits
   * (its own home first when sticky). False when some VM fits nowhere.
   */
  repack(order: readonly number[], mode: ChoiceMode, hostOrder: readonly number[], sticky: boolean): boolean {
    this.reset(null);
    const open: number[] = [];
    const isOpen = new Uint8Array(this.H);
    const openHost = (h: number) => { if (!isOpen[h]) { isOpen[h] = 1; open.push(h); } };
    for (let h = 0; h < this.H; h++) if (this.used(h)) openHost(h);
    for (const v of order) {
      if (this.fixed[v]) continue;
      if (mode === 'first-fit') {
        const h = this.choose(v, hostOrder, 'first-fit');
        if (h < 0) return false;
        this.place(v, h);
        continue;
      }
      const home = this.model.placement[v]!;
      let h = -1;
      if (sticky && isOpen[home] && mode !== 'sharing' && this.fits(v, home)) h = home;
      if (h < 0) h = this.choose(v, open, mode);
      if (h < 0 && sticky && !isOpen[home] && this.fits(v, home)) h = home;
      if (h < 0) for (const g of hostOrder) if (!isOpen[g] && this.fits(v, g)) { h = g; break; }
      if (h < 0) return false;
      openHost(h);
      this.place(v, h);
    }
    return true;
  }

  /** Sends moved VMs back to their placement host wherever it is used and takes them. */
  returnHome(): number {
    let back = 0;
    for (let round = 0; round < 3; round++) {
      let changed = false;
      for (let v = 0; v < this.V; v++) {
        const home = this.model.placement[v]!;
        const at = this.draft.hostOf(v);
        if (at === home || !this.used(home)) continue;
        this.remove(v);
        if (this.fits(v, home)) { this.place(v, home); back++; changed = true; } else this.place(v, at);
      }
      if (!changed) break;
    }
    return back;
  }

  /**
   * Makes the draft reachable by direct migrations where it can: a VM that no order
   * of direct moves brings to its host stays home instead, when home takes it back
   * (possibly keeping that host on). Returns whether the draft is now reachable so.
   */
  unstick(rounds = 4): boolean {
    for (let round = 0; round < rounds; round++) {
      const reach = directReach(this.problem, this.target());
      if (reach.reachable) return true;
      let changed = false;
      for (const v of reach.stuck) {
        const home = this.model.placement[v]!;
        const at = this.draft.hostOf(v);
        if (at === home) continue;
        this.remove(v);
        if (this.fits(v, home)) { this.place(v, home); changed = true; } else this.place(v, at);
      }
      if (!changed) return false;
    }
    return directReach(this.problem, this.target()).reachable;
  }

  private index(vm: number, host: number, sign: 1 | -1): void {
    const tree = this.tree;
    if (!tree) return;
    const L = tree.L;
    for (let k = 0; k < L; k++) {
      const n = tree.node[vm * L + k]!;
      if (n < 0) break;
      const m = this.nodeHosts[n]!;
      const c = (m.get(host) ?? 0) + sign;
      if (c > 0) m.set(host, c); else m.delete(host);
    }
  }
}

/** Hosts holding at least one VM. */
export function hostsUsed(model: Model, target: Int32Array): number {
  const seen = new Uint8Array(model.hosts.length);
  let n = 0;
  for (const h of target) if (!seen[h]) { seen[h] = 1; n++; }
  return n;
}

/** VMs whose target differs from their placement. */
export function movesOf(model: Model, target: Int32Array): number {
  let n = 0;
  for (let v = 0; v < target.length; v++) if (target[v] !== model.placement[v]) n++;
  return n;
}

/** No host both sends and receives VMs. */
export function oneDirectional(model: Model, target: Int32Array): boolean {
  const sends = new Uint8Array(model.hosts.length);
  const gets = new Uint8Array(model.hosts.length);
  for (let v = 0; v < target.length; v++) {
    if (target[v] === model.placement[v]) continue;
    sends[model.placement[v]!] = 1;
    gets[target[v]!] = 1;
  }
  for (let h = 0; h < model.hosts.length; h++) if (sends[h] && gets[h]) return false;
  return true;
}
