/** The pre-issue-15 dependency-graph verifier, kept as the oracle of test/reachability.test.ts. Do not optimise. */
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
 *   places before in plan order precedes each one);
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
import type { Problem, Violation } from '../../src/plugin-api.js';
import type { Wave } from '../../src/model/plan.js';
import { PlacementState } from '../../src/model/state.js';
import { byHost, type FlatPlan } from '../../src/schedule/dependencies.js';
import { dagOf, reaches, type Dag } from './graph.js';

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
  private sources = new Int32Array(1024);
  private targets = new Int32Array(1024);
  private count = 1; // slot 0: the answer "no"
  constructor(private readonly dag: Dag) {}
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

export function verifyDependencyGraph(problem: Problem, plan: FlatPlan, deps: readonly (readonly number[])[]): DependencyCheck {
  const { model, rules } = problem;
  const { n, vm, from, to, wave } = plan;
  const H = model.hosts.length;
  const violations: Violation[] = [];
  const ruleHosts = new Set<number>();
  const vmName = (m: number) => model.vms[vm[m]!]!.name;
  const hostName = (h: number) => model.hosts[h]!.name;
  const describe = (m: number) => `#${m} (${vmName(m)}: ${hostName(from[m]!)} -> ${hostName(to[m]!)}, wave ${wave[m]! + 1})`;
  const fail = (message: string, extra: Partial<Violation> = {}) => violations.push({ rule: 'dependencies', phase: 'during', message, ...extra });

  // --- the graph itself ---------------------------------------------------------------------
  if (deps.length !== n) {
    fail(`the graph has ${deps.length} lists for ${n} migrations`);
    return { valid: false, violations, ruleHosts };
  }
  deps.forEach((list, m) => {
    for (const p of list) {
      if (!Number.isInteger(p) || p < 0 || p >= n) fail(`migration ${describe(m)} waits for ${p}, which is not a migration number (0..${n - 1})`, { vm: vmName(m), wave: wave[m]! + 1 });
      else if (p === m) fail(`migration ${describe(m)} waits for itself`, { vm: vmName(m), wave: wave[m]! + 1 });
    }
  });
  if (violations.length) return { valid: false, violations, ruleHosts };
  const dag = dagOf(deps);
  if (!dag) {
    fail('the graph has a cycle: some migrations wait for each other');
    return { valid: false, violations, ruleHosts };
  }

  // --- questions to the graph -----------------------------------------------------------------
  const q = new Queries(dag);
  // Same VM: consecutive migrations of a VM, and the stays they delimit.
  interface Stay { vm: number; host: number; arrival: number; departure: number }
  const stays: Stay[] = [];
  const sameVm: Array<[number, number, number]> = []; // previous, next, query
  {
    const last = new Int32Array(model.vms.length).fill(-1);
    const at = Int32Array.from(model.placement);
    for (let m = 0; m < n; m++) {
      const v = vm[m]!;
      if (from[m] !== at[v]) fail(`migration ${describe(m)} starts from ${hostName(from[m]!)} but ${vmName(m)} is on ${hostName(at[v]!)} (verify the plan first)`, { vm: vmName(m) });
      stays.push({ vm: v, host: at[v]!, arrival: last[v]!, departure: m });
      if (last[v]! >= 0) sameVm.push([last[v]!, m, q.add(last[v]!, m)]);
      last[v] = m;
      at[v] = to[m]!;
    }
    // The last stay of each VM that moves (a VM that never moves stays on its host: nothing to ask).
    for (let v = 0; v < model.vms.length; v++) if (last[v]! >= 0) stays.push({ vm: v, host: at[v]!, arrival: last[v]!, departure: -1 });
    if (violations.length) return { valid: false, violations, ruleHosts };
  }
  // Concurrency: the slot chain test, exact width where it fails.
  const out = byHost(H, n, from);
  const inc = byHost(H, n, to);
  interface SlotTest { host: number; kind: 'outgoing' | 'incoming'; limit: number; ids: number[] }
  const slotTests: SlotTest[] = [];
  for (const [kind, index] of [['outgoing', out], ['incoming', inc]] as const) {
    for (let h = 0; h < H; h++) {
      const c = kind === 'outgoing' ? model.hosts[h]!.maxOutgoing : model.hosts[h]!.maxIncoming;
      const s = index.start[h]!;
      const e = index.start[h + 1]!;
      if (!Number.isFinite(c) || e - s <= c) continue;
      const cc = Math.max(1, c);
      const ids: number[] = [];
      for (let k = s + cc; k < e; k++) ids.push(q.add(index.items[k - cc]!, index.items[k]!));
      slotTests.push({ host: h, kind, limit: c, ids });
    }
  }
  const globalIds: Array<[number, number, number]> = [];
  const global = model.maxPerWave;
  if (Number.isFinite(global) && n > global) {
    const c = Math.max(1, global);
    for (let i = c; i < n; i++) globalIds.push([i - c, i, q.add(i - c, i)]);
  }
  // Stays of moving VMs, per host.
  const staysOn = Array.from({ length: H }, () => [] as number[]);
  stays.forEach((s, i) => staysOn[s.host]!.push(i));
  const moves = new Uint8Array(model.vms.length);
  for (let m = 0; m < n; m++) moves[vm[m]!] = 1;
  // Per arrival m and stay on its host whose arrival does not come after m in the
  // topological order, two questions: departure before m? arrival before m? (A missing
  // departure or arrival asks m about itself: "no".)
  const { pos } = dag;
  const later = (s: Stay, m: number) => s.arrival >= 0 && pos[s.arrival]! > pos[m]!;
  const overlapFirst = new Int32Array(n + 1);
  for (let m = 0; m < n; m++) overlapFirst[m + 1] = overlapFirst[m]! + 2 * staysOn[to[m]!]!.length;
  const overlap = new Int32Array(overlapFirst[n]!);
  for (let m = 0; m < n; m++) {
    let id = overlapFirst[m]!;
    for (const si of staysOn[to[m]!]!) {
      const s = stays[si]!;
      if (later(s, m)) { id += 2; continue; }
      overlap[id++] = q.add(s.departure >= 0 ? s.departure : m, m);
      overlap[id++] = q.add(s.arrival >= 0 ? s.arrival : m, m);
    }
  }
  const hit = q.run();

  for (const [p, m, id] of sameVm) {
    if (!hit[id]) fail(`${vmName(m)} migrates twice: ${describe(p)} must finish before ${describe(m)} starts, the graph does not say so`, { vm: vmName(m), wave: wave[m]! + 1 });
  }
  for (const t of slotTests) {
    if (t.ids.every((id) => hit[id] === 1)) continue;
    const index = t.kind === 'outgoing' ? out : inc;
    const list = Array.from(index.items.subarray(index.start[t.host]!, index.start[t.host + 1]!));
    const width = antichainWidth(dag, list);
    if (width > t.limit) {
      const host = hostName(t.host);
      fail(`host ${host}: up to ${width} ${t.kind} migrations may run at once in an order the graph allows, limit ${t.limit}`, { rule: 'concurrency', host, load: width, limit: t.limit });
    }
  }
  const unordered = globalIds.find(([, , id]) => !hit[id]);
  if (unordered) {
    fail(`the graph does not show that at most ${global} migrations run at once (migration #${unordered[1]} does not wait, even indirectly, for #${unordered[0]})`, { rule: 'concurrency', limit: global });
  }
  if (violations.length) return { valid: false, violations, ruleHosts };

  // --- rules: the worst state of each arrival's host ------------------------------------------
  const state = new PlacementState(model, problem.usable);
  const present = new Map<number, number>(); // vm -> arrival migration if in flight, else -1
  for (let h = 0; h < H; h++) {
    const mine = staysOn[h]!;
    if (inc.start[h + 1] === inc.start[h]) continue;
    const parking = h === 0 ? 1 : 0;
    for (let k = inc.start[h]!; k < inc.start[h + 1]!; k++) {
      const m = inc.items[k]!;
      const x = vm[m]!;
      present.clear();
      let id = overlapFirst[m]!;
      for (const si of mine) {
        const s = stays[si]!;
        const departsBefore = hit[overlap[id]!] === 1;
        const arrivedBefore = s.arrival < 0 || hit[overlap[id + 1]!] === 1;
        id += 2;
        if (s.vm === x || later(s, m) || departsBefore) continue;
        const flying = arrivedBefore ? -1 : s.arrival;
        if (!present.has(s.vm) || flying >= 0) present.set(s.vm, flying);
      }
      // Build the state of h, check it, undo.
      const moved: number[] = [];
      const flying: number[] = [];
      const leave: number[] = [];
      for (const u of state.vmsOn(h)) if (moves[u] && !present.has(u)) leave.push(u);
      for (const u of leave) { state.relocate(u, parking); moved.push(u); }
      for (const [u, arrival] of present) {
        if (arrival < 0) {
          if (state.hostOf(u) !== h) { state.relocate(u, h); moved.push(u); }
        } else {
          if (state.hostOf(u) !== from[arrival]) { state.relocate(u, from[arrival]!); moved.push(u); }
          state.beginMove(u, h);
          flying.push(u);
        }
      }
      if (state.hostOf(x) !== from[m]) { state.relocate(x, from[m]!); moved.push(x); }
      state.beginMove(x, h);
      flying.push(x);
      for (const rule of rules) {
        for (const v of rule.check(state, [h])) {
          ruleHosts.add(h);
          violations.push({
            ...v, phase: 'during', wave: wave[m]! + 1,
            message: `while migration ${describe(m)} runs, in an order the graph allows: ${v.message}`,
          });
        }
      }
      for (let i = flying.length - 1; i >= 0; i--) state.cancelMove(flying[i]!);
      for (const u of moved) if (state.hostOf(u) !== model.placement[u]) state.relocate(u, model.placement[u]!);
    }
  }
  return { valid: violations.length === 0, violations, ruleHosts };
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
