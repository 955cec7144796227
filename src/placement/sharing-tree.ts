/**
 * Memory page sharing between co-located VMs, modelled as a tree: OS platform >
 * version > libraries > application (configurable levels, read from VM attributes
 * or from the image). Each level of a VM's path holds a slice of its memory; VMs
 * on the same host that reach the same tree node share that slice, so the host
 * keeps one copy (the largest) instead of one per VM:
 *
 *   effective RAM(host) = sum of demands - sum over nodes n present of (sum - max of the slices at n)
 *
 * Adding a VM never lowers the effective RAM (its marginal saving never exceeds its
 * slices), and a VM's marginal saving only grows with its companions, so a rule
 * built on this stays monotone.
 */
import type { Model } from '../model/model.js';
import type { Problem, SanityRule } from '../plugin-api.js';
import type { StateView } from '../model/state.js';
import { InputError, type InputIssue } from '../io/errors.js';

export interface SharingLevel {
  /** Name shown in reports ("platform", "version", ...). */
  name?: string;
  /** VM attribute holding this level's value. */
  attribute: string;
  /** Share of the VM's demand held at this level (0..1). */
  fraction?: number;
  /** Or a fixed amount, in the resource's unit (capped by what is left of the demand). */
  amount?: number;
}

export interface SharingOptions {
  /** The resource that is shared (default "ram"). */
  resource: string;
  levels: SharingLevel[];
  /**
   * When a level's attribute is missing, take the value from the VM's image split on
   * this separator (component k for level k); null: never read the image.
   */
  imageSeparator: string | null;
  /**
   * "full": a VM arriving during a wave counts in full on its destination (its pages
   * are not merged yet); "shared": it shares at once.
   */
  arrivals: 'full' | 'shared';
}

export const DEFAULT_SHARING: SharingOptions = {
  resource: 'ram',
  levels: [
    { name: 'platform', attribute: 'os', fraction: 0.1 },
    { name: 'version', attribute: 'osVersion', fraction: 0.15 },
    { name: 'libraries', attribute: 'libraries', fraction: 0.1 },
    { name: 'application', attribute: 'application', fraction: 0.15 },
  ],
  imageSeparator: '/',
  arrivals: 'full',
};

export class SharingTree {
  /** Index of the shared resource in the model, -1 when the model has none. */
  readonly resource: number;
  readonly L: number;
  /** Node id per [vm * L + level], -1 below the VM's deepest known level. */
  readonly node: Int32Array;
  /** The VM's slice at that level. */
  readonly slice: Float64Array;
  readonly nodeCount: number;
  /** "linux/ubuntu-22.04/..." per node id. */
  readonly nodeNames: string[];
  readonly arrivals: 'full' | 'shared';
  // Scratch per node: count, sum, largest and second largest slice of the set being measured.
  private readonly cnt: Int32Array;
  private readonly sum: Float64Array;
  private readonly max1: Float64Array;
  private readonly max2: Float64Array;
  private readonly touched: number[] = [];

  constructor(readonly model: Model, readonly options: SharingOptions) {
    const { levels } = options;
    this.L = levels.length;
    this.arrivals = options.arrivals;
    this.resource = model.resources.indexOf(options.resource);
    const V = model.vms.length;
    const R = model.resources.length;
    this.node = new Int32Array(V * this.L).fill(-1);
    this.slice = new Float64Array(V * this.L);
    const ids = new Map<string, number>();
    this.nodeNames = [];
    for (let v = 0; v < V; v++) {
      const vm = model.vms[v]!;
      const parts = options.imageSeparator !== null && vm.image ? vm.image.split(options.imageSeparator) : [];
      const demand = this.resource >= 0 ? model.demand[v * R + this.resource]! : 0;
      let path = '';
      let left = demand;
      for (let k = 0; k < this.L; k++) {
        const level = levels[k]!;
        const raw = vm.attributes[level.attribute] ?? parts[k];
        if (raw === undefined || raw === null || raw === '') break;
        path += (k ? '/' : '') + String(raw);
        let id = ids.get(path);
        if (id === undefined) { id = this.nodeNames.length; ids.set(path, id); this.nodeNames.push(path); }
        const want = level.amount !== undefined ? level.amount : (level.fraction ?? 0) * demand;
        const s = Math.max(0, Math.min(want, left));
        left -= s;
        this.node[v * this.L + k] = id;
        this.slice[v * this.L + k] = s;
      }
    }
    this.nodeCount = this.nodeNames.length;
    this.cnt = new Int32Array(this.nodeCount);
    this.sum = new Float64Array(this.nodeCount);
    this.max1 = new Float64Array(this.nodeCount);
    this.max2 = new Float64Array(this.nodeCount);
  }

  /** The VM's demand of the shared resource. */
  demandOf(vm: number): number {
    return this.resource < 0 ? 0 : this.model.demand[vm * this.model.resources.length + this.resource]!;
  }

  /** Memory saved by sharing among these VMs placed together. */
  saving(vms: Iterable<number>): number {
    this.gather(vms);
    let total = 0;
    for (const n of this.touched) total += this.sum[n]! - this.max1[n]!;
    this.reset();
    return total;
  }

  /** Sum of demands minus the saving, for VMs placed together. */
  footprint(vms: Iterable<number>): number {
    let raw = 0;
    const list: number[] = [];
    for (const v of vms) { raw += this.demandOf(v); list.push(v); }
    return raw - this.saving(list);
  }

  /** Effective load of the host in a state: in-flight arrivals count in full unless arrivals = "shared". */
  effective(state: StateView, host: number): number {
    if (this.resource < 0) return 0;
    const raw = state.load(host, this.resource);
    const sharing: number[] = [];
    for (const v of state.vmsOn(host)) if (this.arrivals === 'shared' || state.destinationOf(v) !== host) sharing.push(v);
    return raw - this.saving(sharing);
  }

  /**
   * Effective load of the settled set S = (VMs on host) + vm, plus the largest marginal
   * saving of any VM of S that arrives from elsewhere (placement differs): the most
   * memory the host needs while the last arrival is in flight, whatever the order of
   * arrivals (a VM's marginal saving only grows with its companions).
   */
  targetLoad(state: StateView, vm: number, host: number): number {
    if (this.resource < 0) return 0;
    const members: number[] = [];
    let raw = 0;
    let present = false;
    for (const v of state.vmsOn(host)) { members.push(v); raw += this.demandOf(v); if (v === vm) present = true; }
    if (!present && vm >= 0) { members.push(vm); raw += this.demandOf(vm); }
    this.gather(members);
    let saved = 0;
    for (const n of this.touched) saved += this.sum[n]! - this.max1[n]!;
    let worst = 0;
    if (this.arrivals === 'full') {
      const { placement } = this.model;
      for (const x of members) {
        if (placement[x] === host) continue;
        const m = this.marginalInGathered(x);
        if (m > worst) worst = m;
      }
    }
    this.reset();
    return raw - saved + worst;
  }

  /** Marginal saving of vm joining these VMs (vm not among them). */
  marginal(vm: number, companions: Iterable<number>): number {
    this.gather(companions);
    let m = 0;
    for (let k = 0; k < this.L; k++) {
      const n = this.node[vm * this.L + k]!;
      if (n < 0) break;
      if (this.cnt[n]! > 0) m += Math.min(this.slice[vm * this.L + k]!, this.max1[n]!);
    }
    this.reset();
    return m;
  }

  /** saving(S) - saving(S - x) for x in the gathered set S. */
  private marginalInGathered(x: number): number {
    let m = 0;
    for (let k = 0; k < this.L; k++) {
      const n = this.node[x * this.L + k]!;
      if (n < 0) break;
      if (this.cnt[n]! < 2) continue;
      const s = this.slice[x * this.L + k]!;
      m += s < this.max1[n]! ? s : this.max2[n]!;
    }
    return m;
  }

  private gather(vms: Iterable<number>): void {
    const L = this.L;
    for (const v of vms) {
      for (let k = 0; k < L; k++) {
        const n = this.node[v * L + k]!;
        if (n < 0) break;
        const s = this.slice[v * L + k]!;
        if (this.cnt[n] === 0) this.touched.push(n);
        this.cnt[n]!++;
        this.sum[n]! += s;
        if (s > this.max1[n]!) { this.max2[n] = this.max1[n]!; this.max1[n] = s; } else if (s > this.max2[n]!) this.max2[n] = s;
      }
    }
  }

  private reset(): void {
    for (const n of this.touched) { this.cnt[n] = 0; this.sum[n] = 0; this.max1[n] = 0; this.max2[n] = 0; }
    this.touched.length = 0;
  }
}

/** Checks what a schema cannot: at most 100 % of a VM shared. */
export function sharingOptionIssues(options: SharingOptions): InputIssue[] {
  const total = options.levels.reduce((s, l) => s + (l.fraction ?? 0), 0);
  const issues: InputIssue[] = [];
  if (total > 1 + 1e-9) issues.push({ path: '/options/levels', message: `the levels' fractions add up to ${+total.toFixed(6)}, more than 1` });
  options.levels.forEach((l, i) => {
    if (l.fraction !== undefined && l.amount !== undefined) issues.push({ path: `/options/levels/${i}`, message: 'give fraction or amount, not both' });
  });
  return issues;
}

export function sharingTree(model: Model, options: SharingOptions, source = 'sharing'): SharingTree {
  const issues = sharingOptionIssues(options);
  if (issues.length) throw new InputError(source, issues);
  return new SharingTree(model, options);
}

/** A memory rule that knows the sharing tree (the `sharing` rule plugin). */
export interface SharingRule extends SanityRule {
  readonly sharing: SharingTree;
  /** Usable amount of the shared resource per host. */
  limitOf(host: number): number;
  /** Whether vm may end on host (with the VMs already there) so that every arrival order stays feasible. */
  targetAdmits(state: StateView, vm: number, host: number): boolean;
}

/** The capability a rule's manifest declares (`"provides": ["page-sharing"]`) to be a SharingRule. */
export const PAGE_SHARING = 'page-sharing';

export function isSharingRule(rule: SanityRule): rule is SharingRule {
  return rule.provides?.includes(PAGE_SHARING) === true;
}

export function sharingRuleOf(problem: Problem): SharingRule | undefined {
  return problem.rules.find(isSharingRule);
}
