/**
 * Verification of a plan's dependency graph: running the migrations in ANY order that
 * respects the graph (each one starts after those it waits for have finished, any number
 * at once otherwise) never breaks a rule nor a concurrency limit.
 *
 * Checked, for a plan the replay verifier accepts:
 * - the graph: one list per migration, valid flat indices (wave after wave, 0-based), no
 *   cycle;
 * - each VM's migrations are ordered (each one reaches the next in the graph);
 * - concurrency: no more than maxOutgoing(h) departures from h can run at once (the largest
 *   set of h's departures no two of which are ordered, by Dilworth's theorem through a
 *   matching), the same for arrivals; for maxPerWave a sufficient test (the migration c
 *   places before in plan order precedes each one); the same width test for the migrations
 *   of each migration group (rules' migrationGroups) against its limit;
 * - rules, soundly for monotone rules: for each migration m into h, a worst state of h is
 *   built on a PlacementState and every rule's check() is asked about h. Fix a topological
 *   order of the graph (plan order when every migration waits only for earlier ones). The
 *   state covers every moment at which m is, among the arrivals at h that have started, the
 *   last in that order: a stay of a VM on h (from its arrival, or the start, to its
 *   departure, or the end) can be under way then unless its arrival comes after m in that
 *   order, or its departure precedes m in the graph (m has started, so it is done). Such a
 *   VM is counted on h, in flight towards h when its arrival does not precede m in the graph
 *   (a VM in flight counts at least as much as a settled one); m's VM is in flight. Any state
 *   of h at any moment is contained in one of these states (take the last arrival in that
 *   order to have started by then) or in the start state, which the replay verifier checks.
 */
import type { MigrationGroup, Problem, Violation } from '../plugin-api.js';
import { isTransfer, type Wave } from '../model/plan.js';
import { PlacementState } from '../model/state.js';
import { byHost, type FlatPlan } from './dependencies.js';
import { dagOf, reaches, Reachability, type Dag } from './graph.js';

export interface DependencyCheck {
  valid: boolean;
  violations: Violation[];
  /** Hosts where a rule may break (indices), for callers that strengthen the graph there. */
  ruleHosts: Set<number>;
}

/** Migrations of a plan given by names, numbered flat; unknown names are reported. */
export function flattenWaves(problem: Problem, waves: readonly Wave[]): { plan?: FlatPlan; violations: Violation[] } {
  const { model } = problem;
  const n = waves.reduce((s, w) => s + w.migrations.length, 0);
  const vm = new Int32Array(n);
  const from = new Int32Array(n);
  const to = new Int32Array(n);
  const wave = new Int32Array(n);
  const waveStart = new Int32Array(waves.length + 1);
  const violations: Violation[] = [];
  let i = 0;
  waves.forEach((w, k) => {
    waveStart[k] = i;
    for (const m of w.migrations) {
      if (!isTransfer(m)) {
        // Plans with shelving run wave by wave (src/schedule/waves-only.ts); no graph of host-to-host moves.
        violations.push({ rule: 'dependencies', phase: 'during', wave: k + 1, vm: m.vm, message: `migration #${i}: a ${m.action} has no dependency graph; plans with shelving run wave by wave` });
        wave[i] = k;
        i++;
        continue;
      }
      const v = model.vmIndex.get(m.vm);
      const a = model.hostIndex.get(m.from);
      const b = model.hostIndex.get(m.to);
      if (v === undefined || a === undefined || b === undefined) {
        violations.push({ rule: 'dependencies', phase: 'during', wave: k + 1, message: `migration #${i}: unknown ${v === undefined ? `VM ${m.vm}` : `host ${a === undefined ? m.from : m.to}`}` });
      } else { vm[i] = v; from[i] = a; to[i] = b; }
      wave[i] = k;
      i++;
    }
  });
  waveStart[waves.length] = i;
  return violations.length ? { violations } : { plan: { n, vm, from, to, wave, waveStart }, violations };
}

/** Checks `deps` (per migration, the flat indices it waits for) against the plan and the problem's rules. */
export function verifyDependencies(problem: Problem, waves: readonly Wave[], deps: readonly (readonly number[])[]): DependencyCheck {
  const flat = flattenWaves(problem, waves);
  if (!flat.plan) return { valid: false, violations: flat.violations, ruleHosts: new Set() };
  return verifyDependencyGraph(problem, flat.plan, deps);
}

/**
 * Reachability questions collected, then answered in one batch. A question whose source
 * does not come before its target in the topological order is answered "no" at once
 * (index 0 of the answers, which stays 0).
 */
class Queries {
  private sources: Int32Array;
  private targets: Int32Array;
  private count = 1; // slot 0: the answer "no"
  /** expected: about how many questions will come (arrays grown by doubling leave garbage behind). */
  constructor(private readonly dag: Dag, expected: number) {
    this.sources = new Int32Array(expected + 1);
    this.targets = new Int32Array(expected + 1);
  }
  /** The question's index in the answers. */
  add(s: number, t: number): number {
    if (this.dag.pos[s]! >= this.dag.pos[t]!) return 0;
    if (this.count === this.sources.length) {
      const grow = (a: Int32Array) => { const b = new Int32Array(a.length * 2); b.set(a); return b; };
      this.sources = grow(this.sources);
      this.targets = grow(this.targets);
    }
    this.sources[this.count] = s;
    this.targets[this.count] = t;
    return this.count++;
  }
  run(): Uint8Array {
    const hit = reaches(this.dag, this.sources.subarray(1, this.count), this.targets.subarray(1, this.count));
    const out = new Uint8Array(this.count);
    out.set(hit, 1);
    return out;
  }
}

/**
 * The stays of moving VMs, laid out host by host (the check is bound by memory, and reads a
 * host's stays once per arrival there): host h's at onStart[h] .. onStart[h + 1], first those
 * ended by its departures, in plan order, then those lasting to the end, by VM. Per stay its
 * VM, the migration that began it (-1: the start) and the one that ended it (-1: the end).
 */
interface Stays {
  /** Per migration: the VM's migration before it (-1: none). */
  readonly previous: Int32Array;
  readonly onStart: Int32Array;
  readonly vm: Int32Array;
  readonly arrival: Int32Array;
  readonly departure: Int32Array;
}

/** A migration group's slot chain: its migrations in plan order and the questions' indices. */
interface GroupTest { rule: string; group: MigrationGroup; list: number[]; ids: Int32Array }

/**
 * The concurrency limits of one kind whose slot chains are asked about: the hosts (ascending),
 * and per host h with limit c its questions' indices at ids[start[h] .. start[h + 1] - max(1, c))
 * (typed arrays, not an object per host: a large plan has a chain on nearly every host).
 */
interface SlotTests { kind: 'outgoing' | 'incoming'; index: HostIndex; hosts: Int32Array; ids: Int32Array }

type HostIndex = { start: Int32Array; items: Int32Array };

export function verifyDependencyGraph(problem: Problem, plan: FlatPlan, deps: readonly (readonly number[])[]): DependencyCheck {
  return new GraphCheck(problem, plan).run(deps);
}

/** One verification of a dependency graph: the steps share the plan, the graph and the findings. */
class GraphCheck {
  private readonly violations: Violation[] = [];
  private readonly ruleHosts = new Set<number>();
  private readonly H: number;

  constructor(private readonly problem: Problem, private readonly plan: FlatPlan) {
    this.H = problem.model.hosts.length;
  }

  run(deps: readonly (readonly number[])[]): DependencyCheck {
    const dag = this.graph(deps);
    if (!dag) return this.result();
    // A VM's order and the slot chains of the hosts' departures and arrivals: under 2 questions a migration in large plans.
    const q = new Queries(dag, 2 * this.plan.n);
    const out = byHost(this.H, this.plan.n, this.plan.from);
    const stays = this.stays(out);
    if (!stays) return this.result();
    const sameVm = this.sameVmQuestions(stays, q);
    const inc = byHost(this.H, this.plan.n, this.plan.to);
    const slotTests = [this.slotQuestions(q, 'outgoing', out), this.slotQuestions(q, 'incoming', inc)] as const;
    const links = { out: linkQuestions(q, slotTests[0], (h) => this.limitOf('outgoing', h)), inc: linkQuestions(q, slotTests[1], (h) => this.limitOf('incoming', h)) };
    const globalIds = this.globalQuestions(q);
    const groupTests = this.groupQuestions(q);
    const hit = q.run();
    this.reportOrder(stays, sameVm, hit);
    for (const tests of slotTests) this.reportSlots(dag, tests, hit);
    this.reportGlobal(globalIds, hit);
    this.reportGroups(dag, groupTests, hit);
    if (this.violations.length) return this.result();
    const chains = { out: { ...out, ...chainsOf(out, links.out, hit) }, inc: { ...inc, ...chainsOf(inc, links.inc, hit) } };
    this.checkRules(stays, inc, new Overlap(dag, stays, chains.out, chains.inc));
    return this.result();
  }

  private result(): DependencyCheck {
    return { valid: this.violations.length === 0, violations: this.violations, ruleHosts: this.ruleHosts };
  }

  private vmName(m: number): string { return this.problem.model.vms[this.plan.vm[m]!]!.name; }
  private hostName(h: number): string { return this.problem.model.hosts[h]!.name; }
  private describe(m: number): string {
    const { from, to, wave } = this.plan;
    return `#${m} (${this.vmName(m)}: ${this.hostName(from[m]!)} -> ${this.hostName(to[m]!)}, wave ${wave[m]! + 1})`;
  }
  private fail(message: string, extra: Partial<Violation> = {}): void {
    this.violations.push({ rule: 'dependencies', phase: 'during', message, ...extra });
  }

  /** The graph itself: one list per migration, valid numbers, no cycle. */
  private graph(deps: readonly (readonly number[])[]): Dag | null {
    const { n, wave } = this.plan;
    if (deps.length !== n) {
      this.fail(`the graph has ${deps.length} lists for ${n} migrations`);
      return null;
    }
    deps.forEach((list, m) => {
      for (const p of list) {
        if (!Number.isInteger(p) || p < 0 || p >= n) this.fail(`migration ${this.describe(m)} waits for ${p}, which is not a migration number (0..${n - 1})`, { vm: this.vmName(m), wave: wave[m]! + 1 });
        else if (p === m) this.fail(`migration ${this.describe(m)} waits for itself`, { vm: this.vmName(m), wave: wave[m]! + 1 });
      }
    });
    if (this.violations.length) return null;
    const dag = dagOf(deps);
    if (!dag) this.fail('the graph has a cycle: some migrations wait for each other');
    return dag;
  }

  /** Each moving VM's stays (a VM that never moves stays on its host: nothing to ask); null when a migration starts from the wrong host. */
  private stays(out: HostIndex): Stays | null {
    const { model } = this.problem;
    const { n, vm, from, to } = this.plan;
    const V = model.vms.length;
    const last = new Int32Array(V).fill(-1);
    const previous = new Int32Array(n);
    // A VM is where its last migration so far took it, or at its placement (no copy of the placement).
    for (let m = 0; m < n; m++) {
      const v = vm[m]!;
      const at = last[v]! >= 0 ? to[last[v]!]! : model.placement[v]!;
      if (from[m] !== at) this.fail(`migration ${this.describe(m)} starts from ${this.hostName(from[m]!)} but ${this.vmName(m)} is on ${this.hostName(at)} (verify the plan first)`, { vm: this.vmName(m) });
      previous[m] = last[v]!;
      last[v] = m;
    }
    if (this.violations.length) return null;
    const onStart = new Int32Array(this.H + 1);
    for (let v = 0; v < V; v++) if (last[v]! >= 0) onStart[to[last[v]!]! + 1]!++;
    for (let h = 0; h < this.H; h++) onStart[h + 1]! += onStart[h]! + out.start[h + 1]! - out.start[h]!;
    const count = onStart[this.H]!;
    const stays = { previous, onStart, vm: new Int32Array(count), arrival: new Int32Array(count), departure: new Int32Array(count) };
    const fill = new Int32Array(this.H); // per host: where the stays to the end go next
    for (let h = 0; h < this.H; h++) {
      let j = onStart[h]!;
      for (let k = out.start[h]!; k < out.start[h + 1]!; k++, j++) {
        const d = out.items[k]!;
        stays.vm[j] = vm[d]!; stays.arrival[j] = previous[d]!; stays.departure[j] = d;
      }
      fill[h] = j;
    }
    for (let v = 0; v < V; v++) {
      if (last[v]! < 0) continue;
      const j = fill[to[last[v]!]!]!++;
      stays.vm[j] = v; stays.arrival[j] = last[v]!; stays.departure[j] = -1;
    }
    return stays;
  }

  /** Consecutive migrations of a VM: the question's index per migration that has a previous one (-1 otherwise). */
  private sameVmQuestions(stays: Stays, q: Queries): Int32Array {
    const ids = new Int32Array(this.plan.n).fill(-1);
    for (let m = 0; m < this.plan.n; m++) if (stays.previous[m]! >= 0) ids[m] = q.add(stays.previous[m]!, m);
    return ids;
  }

  /** Concurrency per host: the slot chain's questions, where the list is longer than the limit. */
  private slotQuestions(q: Queries, kind: SlotTests['kind'], index: HostIndex): SlotTests {
    const hosts = new Int32Array(this.H);
    const ids = new Int32Array(index.items.length);
    let asked = 0;
    for (let h = 0; h < this.H; h++) {
      const c = this.limitOf(kind, h);
      const s = index.start[h]!;
      const e = index.start[h + 1]!;
      if (!Number.isFinite(c) || e - s <= c) continue;
      const cc = Math.max(1, c);
      for (let k = s + cc; k < e; k++) ids[k - cc] = q.add(index.items[k - cc]!, index.items[k]!);
      hosts[asked++] = h;
    }
    return { kind, index, hosts: hosts.subarray(0, asked), ids };
  }

  private limitOf(kind: SlotTests['kind'], h: number): number {
    const host = this.problem.model.hosts[h]!;
    return kind === 'outgoing' ? host.maxOutgoing : host.maxIncoming;
  }

  /** maxPerWave, a sufficient test: the migration c places before each one precedes it. */
  private globalQuestions(q: Queries): Array<[number, number, number]> {
    const ids: Array<[number, number, number]> = [];
    const global = this.problem.model.maxPerWave;
    if (Number.isFinite(global) && this.plan.n > global) {
      const c = Math.max(1, global);
      for (let i = c; i < this.plan.n; i++) ids.push([i - c, i, q.add(i - c, i)]);
    }
    return ids;
  }

  /** Migration groups: the migration `limit` places before each one among the group's precedes it. */
  private groupQuestions(q: Queries): GroupTest[] {
    const tests: GroupTest[] = [];
    for (const rule of this.problem.rules) {
      for (const group of rule.migrationGroups ?? []) {
        const members = new Set(group.vms);
        const list: number[] = [];
        for (let m = 0; m < this.plan.n; m++) if (members.has(this.plan.vm[m]!)) list.push(m);
        const c = Math.max(1, group.limit);
        if (list.length <= c) continue;
        const ids = new Int32Array(list.length - c);
        for (let k = c; k < list.length; k++) ids[k - c] = q.add(list[k - c]!, list[k]!);
        tests.push({ rule: rule.name, group, list, ids });
      }
    }
    return tests;
  }

  /** Where a group's chain is broken, the exact width (Dilworth) decides. */
  private reportGroups(dag: Dag, tests: GroupTest[], hit: Uint8Array): void {
    for (const t of tests) {
      if (t.ids.every((id) => hit[id] === 1)) continue;
      const width = antichainWidth(dag, t.list);
      if (width > t.group.limit) {
        this.fail(`group ${t.group.name}: up to ${width} of its migrations may run at once in an order the graph allows, limit ${t.group.limit}`, { rule: t.rule, load: width, limit: t.group.limit });
      }
    }
  }

  private reportOrder(stays: Stays, sameVm: Int32Array, hit: Uint8Array): void {
    for (let m = 0; m < this.plan.n; m++) {
      if (sameVm[m]! < 0 || hit[sameVm[m]!]) continue;
      this.fail(`${this.vmName(m)} migrates twice: ${this.describe(stays.previous[m]!)} must finish before ${this.describe(m)} starts, the graph does not say so`, { vm: this.vmName(m), wave: this.plan.wave[m]! + 1 });
    }
  }

  /** Where a slot chain is broken, the exact width (Dilworth) decides. */
  private reportSlots(dag: Dag, tests: SlotTests, hit: Uint8Array): void {
    const { kind, index, ids } = tests;
    for (const h of tests.hosts) {
      const limit = this.limitOf(kind, h);
      const s = index.start[h]!;
      const e = index.start[h + 1]!;
      let chained = true;
      for (let k = s; k < e - Math.max(1, limit) && chained; k++) chained = hit[ids[k]!] === 1;
      if (chained) continue;
      const list = Array.from(index.items.subarray(s, e));
      const width = antichainWidth(dag, list);
      if (width > limit) {
        const host = this.hostName(h);
        this.fail(`host ${host}: up to ${width} ${kind} migrations may run at once in an order the graph allows, limit ${limit}`, { rule: 'concurrency', host, load: width, limit });
      }
    }
  }

  private reportGlobal(ids: Array<[number, number, number]>, hit: Uint8Array): void {
    const unordered = ids.find(([, , id]) => !hit[id]);
    if (!unordered) return;
    const global = this.problem.model.maxPerWave;
    this.fail(`the graph does not show that at most ${global} migrations run at once (migration #${unordered[1]} does not wait, even indirectly, for #${unordered[0]})`, { rule: 'concurrency', limit: global });
  }

  /** Rules: the worst state of each arrival's host, built, checked and undone. */
  private checkRules(stays: Stays, inc: HostIndex, overlap: Overlap): void {
    const { model } = this.problem;
    const state = new PlacementState(model, this.problem.usable);
    const moves = new Uint8Array(model.vms.length);
    for (let m = 0; m < this.plan.n; m++) moves[this.plan.vm[m]!] = 1;
    const worst = new WorstState(state, this.plan, moves);
    for (let h = 0; h < this.H; h++) {
      if (inc.start[h] === inc.start[h + 1]) continue;
      overlap.host(h, stays.onStart);
      for (let k = inc.start[h]!; k < inc.start[h + 1]!; k++) {
        const m = inc.items[k]!;
        this.present(k, m, overlap, worst);
        worst.build(h, m);
        this.checkHost(state, h, m);
        worst.undo();
      }
    }
  }

  /**
   * The stays on m's host that may be under way while m runs, as the last arrival there to
   * have started: not m's VM, not arriving after m in the order, not departed before m.
   * In flight when their arrival does not precede m (a VM in flight counts at least as
   * much as a settled one). k: m's place in the host's arrivals.
   */
  private present(k: number, m: number, overlap: Overlap, worst: WorstState): void {
    const x = this.plan.vm[m]!;
    worst.clear();
    overlap.arrival(k);
    const { stayVm, end } = overlap;
    for (let j = overlap.first; j < end; j++) {
      if (stayVm[j] === x || overlap.after(j)) { overlap.skip(j); continue; }
      if (overlap.departed(j)) continue;
      worst.add(stayVm[j]!, overlap.arrived(j) ? -1 : overlap.arrivalOf(j));
    }
  }

  private checkHost(state: PlacementState, h: number, m: number): void {
    const { rules } = this.problem;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      for (const v of rule.check(state, [h])) {
        this.ruleHosts.add(h);
        this.violations.push({
          ...v, phase: 'during', wave: this.plan.wave[m]! + 1,
          message: `while migration ${this.describe(m)} runs, in an order the graph allows: ${v.message}`,
        });
      }
    }
  }
}

/**
 * Per host list (its departures, or its arrivals, in plan order, as byHost gives them):
 * each migration's place in the list, and per place the first place of its chained run, the
 * longest stretch before it in which each migration reaches the next (a slot chain).
 */
interface Chains { readonly place: Int32Array; readonly run: Int32Array }

/**
 * The questions "does the migration at place k of a host's list reach the one at k + 1"
 * (index per k; 0, "no", at a host's last place). A slot chain of limit 1 asked them already.
 */
function linkQuestions(q: Queries, slotTests: SlotTests, limitOf: (h: number) => number): Int32Array {
  const { start, items } = slotTests.index;
  const ids = new Int32Array(items.length);
  const asked = new Uint8Array(start.length - 1);
  for (const h of slotTests.hosts) {
    if (Math.max(1, limitOf(h)) !== 1) continue;
    ids.set(slotTests.ids.subarray(start[h]!, start[h + 1]! - 1), start[h]!); // items[k] -> items[k + 1] at k
    asked[h] = 1;
  }
  for (let h = 0; h + 1 < start.length; h++) {
    if (asked[h]) continue;
    for (let k = start[h]!; k + 1 < start[h + 1]!; k++) ids[k] = q.add(items[k]!, items[k + 1]!);
  }
  return ids;
}

function chainsOf(index: HostIndex, linkIds: Int32Array, hit: Uint8Array): Chains {
  const { start, items } = index;
  const place = new Int32Array(items.length);
  const run = new Int32Array(items.length);
  for (let h = 0; h + 1 < start.length; h++) {
    for (let k = start[h]!; k < start[h + 1]!; k++) {
      place[items[k]!] = k;
      run[k] = k > start[h]! && hit[linkIds[k - 1]!] === 1 ? run[k - 1]! : k;
    }
  }
  return { place, run };
}

/**
 * For the arrivals at one host in plan order, and each stay on the host: did the stay's
 * departure, or its arrival, finish before the arrival starts in every order the graph
 * allows (does it reach the arrival)? Answered one host at a time, in the order present()
 * asks, only where present() reads the answer. Reachability is transitive, and the host's
 * departures and arrivals mostly form chains (each reaches the next), so most answers
 * follow from others: within a chained run of departures, those that reach the arrival
 * come first (a prefix), and they still reach the next arrival when the arrival reaches it;
 * an arrival reaches the later arrivals of its run. Only the rest costs a search.
 *
 * What a stay needs is laid out once, in host order (a host's stays side by side, j from
 * `first` to `end`): the check is bound by memory, and a host's stays are read again for
 * each of its arrivals.
 */
class Overlap {
  private readonly reach: Reachability;
  /** The stays on the current host: j in first .. end - 1. */
  first = 0;
  end = 0;
  /** Per stay in host order: its VM. */
  readonly stayVm: Int32Array;
  /** Topological position of the stay's arrival (-1: from the start). */
  private readonly arrivalPos: Int32Array;
  /** Places of the stay's arrival in the host's arrivals, of its departure in its departures (-1: none). */
  private readonly arrivalPlace: Int32Array;
  private readonly departurePlace: Int32Array;
  /** Per stay: 1 when its arrival reached the previous arrival. */
  private readonly arrBefore: Uint8Array;
  /**
   * Per chained run of departures (by its first place): places run .. yesEnd - 1 reach the
   * arrival, places noFrom .. of the run do not (the rest is not known yet).
   */
  private readonly yesEnd: Int32Array;
  private readonly noFrom: Int32Array;
  /** The host's departures: places ds .. de - 1 of the list. */
  private ds = 0;
  private de = 0;
  private chained = false;
  /** The current arrival, its place in the host's arrivals and its topological position. */
  private m = -1;
  private pm = -1;
  private mPos = -1;

  constructor(private readonly dag: Dag, stays: Stays, private readonly out: Chains & HostIndex, private readonly inc: Chains & HostIndex) {
    this.reach = new Reachability(dag);
    this.yesEnd = new Int32Array(out.run.length);
    this.noFrom = new Int32Array(out.run.length);
    this.stayVm = stays.vm;
    // The stays' arrivals and departures become their places (the arrays are the check's own, read in host order from here on).
    const { arrival, departure } = stays;
    const count = arrival.length;
    this.arrivalPos = new Int32Array(count);
    this.arrivalPlace = arrival;
    this.departurePlace = departure;
    this.arrBefore = new Uint8Array(count);
    for (let j = 0; j < count; j++) {
      const a = arrival[j]!;
      const d = departure[j]!;
      this.arrivalPos[j] = a >= 0 ? dag.pos[a]! : -1;
      this.arrivalPlace[j] = a >= 0 ? inc.place[a]! : -1;
      this.departurePlace[j] = d >= 0 ? out.place[d]! : -1;
    }
  }

  /** Starts the arrivals at host h (its stays are onStart[h] .. onStart[h + 1] in host order). */
  host(h: number, onStart: Int32Array): void {
    this.first = onStart[h]!;
    this.end = onStart[h + 1]!;
    this.arrBefore.fill(0, this.first, this.end);
    this.ds = this.out.start[h]!;
    this.de = this.out.start[h + 1]!;
  }

  /** The arrival at place k of the host's arrivals (arrivals come in plan order). */
  arrival(k: number): void {
    const m = this.inc.items[k]!;
    this.chained = this.inc.run[k]! < k; // the previous arrival reaches m
    // What reached the previous arrival reaches m when that one reaches m; what did not may.
    for (let q = this.ds; q < this.de; q++) {
      if (!this.chained) this.yesEnd[q] = q;
      this.noFrom[q] = this.de;
    }
    // The host's departures that m waits for reach it, and so do those before them in their run.
    const { predStart, preds } = this.dag;
    for (let i = predStart[m]!; i < predStart[m + 1]!; i++) {
      const q = this.out.place[preds[i]!]!;
      if (q < this.ds || q >= this.de) continue;
      const r = this.out.run[q]!;
      if (this.yesEnd[r]! <= q) this.yesEnd[r] = q + 1;
    }
    this.m = m;
    this.pm = k;
    this.mPos = this.dag.pos[m]!;
  }

  /** Whether stay j begins after the arrival in the topological order. */
  after(j: number): boolean {
    return this.arrivalPos[j]! > this.mPos;
  }

  /** The migration that began stay j (-1: the start). */
  arrivalOf(j: number): number {
    const pa = this.arrivalPlace[j]!;
    return pa < 0 ? -1 : this.inc.items[pa]!;
  }

  /** Whether the departure of stay j reaches the arrival. */
  departed(j: number): boolean {
    this.arrBefore[j] = 0; // not asked: unknown
    const p = this.departurePlace[j]!;
    if (p < 0) return false;
    const r = this.out.run[p]!;
    if (p < this.yesEnd[r]!) return true;
    if (p >= this.noFrom[r]!) return false;
    // The departure reaches the later departures of its run: the run's first ones reach m, the others not.
    if (this.reachesArrival(this.out.items[p]!)) { this.yesEnd[r] = p + 1; return true; }
    this.noFrom[r] = p;
    return false;
  }

  /** Whether the arrival of stay j reaches the arrival; a stay from the start has arrived. */
  arrived(j: number): boolean {
    const pa = this.arrivalPlace[j]!;
    if (pa < 0) { this.arrBefore[j] = 0; return true; }
    const pm = this.pm;
    const yes = (pa < pm && this.inc.run[pm]! <= pa) || (this.chained && this.arrBefore[j] === 1) || this.reachesArrival(this.inc.items[pa]!);
    this.arrBefore[j] = yes ? 1 : 0;
    return yes;
  }

  /** Stay j's answers were not asked for this arrival. */
  skip(j: number): void {
    this.arrBefore[j] = 0;
  }

  /** Does s reach the current arrival? */
  private reachesArrival(s: number): boolean {
    return this.dag.pos[s]! < this.mPos && this.reach.test(s, this.m);
  }
}

/**
 * The state of one host with the VMs that may be on it, built on a shared PlacementState
 * (which otherwise stays at the placement) and undone after the check.
 */
class WorstState {
  /** Per VM: -2 absent, -1 settled on the host, else the arrival migration it is in flight on. */
  private readonly mark: Int32Array;
  private readonly listed = new Stack();
  private readonly moved = new Stack();
  private readonly flying = new Stack();
  /** The VMs on the host (kept from build to build: no array per arrival). */
  private onHost = new Int32Array(64);

  constructor(private readonly state: PlacementState, private readonly plan: FlatPlan, private readonly moves: Uint8Array) {
    this.mark = new Int32Array(moves.length).fill(-2);
  }

  clear(): void {
    const { items, size } = this.listed;
    for (let i = 0; i < size; i++) this.mark[items[i]!] = -2;
    this.listed.size = 0;
  }

  /** A VM on the host, settled (-1) or arriving by the given migration; in flight wins. */
  add(vm: number, arrival: number): void {
    if (this.mark[vm] === -2) { this.listed.push(vm); this.mark[vm] = arrival; }
    else if (arrival >= 0) this.mark[vm] = arrival;
  }

  /** Host h with the listed VMs, every other moving VM off it, and m's VM arriving. */
  build(h: number, m: number): void {
    const { state, plan } = this;
    const parking = h === 0 ? 1 : 0;
    if (this.onHost.length < state.countOn(h)) this.onHost = new Int32Array(2 * state.countOn(h));
    const on = this.onHost;
    const count = state.copyVmsOn(h, on);
    for (let i = 0; i < count; i++) if (this.moves[on[i]!] && this.mark[on[i]!] === -2) this.relocate(on[i]!, parking);
    const { items, size } = this.listed;
    for (let i = 0; i < size; i++) {
      const u = items[i]!;
      const arrival = this.mark[u]!;
      if (arrival < 0) {
        if (state.hostOf(u) !== h) this.relocate(u, h);
      } else {
        if (state.hostOf(u) !== plan.from[arrival]) this.relocate(u, plan.from[arrival]!);
        state.beginMove(u, h);
        this.flying.push(u);
      }
    }
    const x = plan.vm[m]!;
    if (state.hostOf(x) !== plan.from[m]) this.relocate(x, plan.from[m]!);
    state.beginMove(x, h);
    this.flying.push(x);
  }

  undo(): void {
    const { state } = this;
    const placement = state.model.placement;
    for (let i = this.flying.size - 1; i >= 0; i--) state.cancelMove(this.flying.items[i]!);
    const { items, size } = this.moved;
    for (let i = 0; i < size; i++) { const u = items[i]!; if (state.hostOf(u) !== placement[u]) state.relocate(u, placement[u]!); }
    this.flying.size = 0;
    this.moved.size = 0;
  }

  private relocate(u: number, host: number): void {
    this.state.relocate(u, host);
    this.moved.push(u);
  }
}

/** Numbers pushed and cleared over and over, in memory kept (an array emptied with `length = 0` is allocated again as it grows). */
class Stack {
  items = new Int32Array(16);
  size = 0;

  push(x: number): void {
    if (this.size === this.items.length) {
      const grown = new Int32Array(2 * this.size);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.size++] = x;
  }
}

/** The largest set of the given nodes no two of which are ordered (Dilworth: nodes minus a maximum matching). */
function antichainWidth(dag: Dag, nodes: number[]): number {
  const k = nodes.length;
  const sources: number[] = [];
  const targets: number[] = [];
  for (const a of nodes) for (const b of nodes) if (a !== b) { sources.push(a); targets.push(b); }
  const hit = reaches(dag, sources, targets);
  const adj: number[][] = Array.from({ length: k }, () => []);
  let id = 0;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (i !== j) { if (hit[id++]) adj[i]!.push(j); }
  const matchOf = new Int32Array(k).fill(-1);
  let matching = 0;
  for (let i = 0; i < k; i++) {
    const seen = new Uint8Array(k);
    const augment = (u: number): boolean => {
      for (const v of adj[u]!) {
        if (seen[v]) continue;
        seen[v] = 1;
        if (matchOf[v]! < 0 || augment(matchOf[v]!)) { matchOf[v] = u; return true; }
      }
      return false;
    };
    if (augment(i)) matching++;
  }
  return k - matching;
}
