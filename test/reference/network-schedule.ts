/** The list schedule before issue 15's second round (sorted-array ready list, rates saved on every admission), kept as the oracle of test/schedule-equivalence.test.ts. Do not optimise. */
/**
 * The network-aware schedule: which migrations start together, decided from the network
 * model rather than from per-host limits. A list scheduler over the verified dependency
 * graph, with bandwidth admission, run inside the event simulation of makespan.ts:
 *
 * - a migration is ready when every migration it waits for has ended; ready migrations are
 *   taken longest remaining chain first (bottom level: its own time alone on its path plus
 *   the longest chain of successors after it);
 * - whenever a migration ends (and at time 0) each ready migration is started if it slows
 *   no running migration (its max-min share comes from bandwidth no one else can use), its
 *   share lets it converge (the guest dirties slower than it is copied), and it runs at the
 *   full speed of its path or, at the smaller share, still ends no later than if it waited
 *   for the first running migration on its path to end and then ran at full speed;
 * - when nothing runs, the first ready migration starts whatever its share (alone on its
 *   path it has the most it can ever get).
 *
 * So migrations never push each other later through sharing, and bandwidth that no running
 * migration can use goes to a new one. The schedule becomes an execution order: each
 * migration started when another ended also waits for that one (`after`), so the
 * dependency-based schedule of the extended graph is this schedule. Extra edges only remove
 * orders from a verified graph, so every order it allows is still safe.
 */
import { preCopy, type MigrationProfile } from '../../src/schedule/duration.js';
import { pathBandwidth } from '../../src/model/network.js';
import { channelCapacity, simulate, type Release, type Schedule, type ScheduleInput } from './makespan.js';
import { FairShare } from './network-share.js';

export interface ListSchedule {
  schedule: Schedule;
  /** The dependency graph extended by the start decisions. */
  after: number[][];
}

/** Seconds each migration takes alone on its path. */
export function soloSeconds(input: ScheduleInput): Float64Array {
  const { plan, profiles, paths, network, options } = input;
  return Float64Array.from({ length: plan.n }, (_, m) => preCopy(profiles[plan.vm[m]!]!, pathBandwidth(network, paths[m]!), options).seconds);
}

/** Longest chain of solo durations from each migration to the end of the graph (Kahn order). */
export function bottomLevels(solo: Float64Array, deps: readonly (readonly number[])[]): Float64Array {
  const n = solo.length;
  const succ: number[][] = Array.from({ length: n }, () => []);
  const indegree = new Int32Array(n);
  deps.forEach((list, m) => { for (const p of new Set(list)) { succ[p]!.push(m); indegree[m]!++; } });
  const order: number[] = [];
  for (let m = 0; m < n; m++) if (indegree[m] === 0) order.push(m);
  for (let i = 0; i < order.length; i++) for (const s of succ[order[i]!]!) if (--indegree[s] === 0) order.push(s);
  const level = Float64Array.from(solo);
  for (let i = order.length - 1; i >= 0; i--) {
    const m = order[i]!;
    let best = 0;
    for (const s of succ[m]!) best = Math.max(best, level[s]!);
    level[m] = solo[m]! + best;
  }
  return level;
}

/** Migrations by priority, highest first (ties: plan order); entries no longer ready are dropped lazily by `first`. */
class ReadyList {
  private items: number[] = [];
  constructor(private readonly priority: Float64Array) {}
  compare(a: number, b: number): number {
    const pa = this.priority[a]!;
    const pb = this.priority[b]!;
    return pa > pb ? -1 : pa < pb ? 1 : a - b;
  }
  push(m: number): void {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.compare(this.items[mid]!, m) < 0) lo = mid + 1; else hi = mid; }
    this.items.splice(lo, 0, m);
  }
  /** The first entry that `keep` accepts; the ones before it are dropped. */
  first(keep: (m: number) => boolean): number | undefined {
    let i = 0;
    while (i < this.items.length && !keep(this.items[i]!)) i++;
    if (i > 0) this.items = this.items.slice(i);
    return this.items[0];
  }
}

const RELATIVE = 1e-9;

/** State of the admitted (started, not ended) migrations and the admission test. */
class Admission {
  private readonly shares: FairShare;
  private readonly capacity: Float64Array;
  private readonly saved: Float64Array;
  readonly expectedEnd: Float64Array;
  /** Migrations that ended per channel, and the count on m's path when m was last turned down. */
  private readonly ended: Int32Array;
  private readonly refusedAt: Float64Array;

  constructor(private readonly input: ScheduleInput, private readonly solo: Float64Array, private readonly soloRate: Float64Array) {
    const n = input.plan.n;
    this.capacity = channelCapacity(input.network);
    this.shares = new FairShare(this.capacity, input.paths, n);
    this.saved = new Float64Array(n);
    this.expectedEnd = new Float64Array(n);
    this.ended = new Int32Array(this.capacity.length);
    this.refusedAt = new Float64Array(n);
  }

  idle(): boolean { return this.shares.count() === 0; }

  private profile(m: number): MigrationProfile { return this.input.profiles[this.input.plan.vm[m]!]!; }

  /** Starts m at time t without asking. */
  admit(m: number, t: number): void {
    this.shares.join(m);
    this.shares.settle();
    this.expectedEnd[m] = t + preCopy(this.profile(m), this.shares.rate[m]!, this.input.options).seconds;
  }

  finish(m: number): void {
    for (const c of this.input.paths[m]!) this.ended[c]!++;
    this.shares.leave(m);
    this.shares.settle();
  }

  /** Whether m, started at t with `share` MiB/s, converges and ends no later than waiting would. */
  private worth(m: number, t: number, share: number): boolean {
    const o = this.input.options;
    const run = preCopy(this.profile(m), share, o);
    if (!run.converged) return false;
    if (share >= this.soloRate[m]! * (1 - 1e-6)) return true;
    // The earliest the path could free up: the first end among the migrations on its full channels.
    let free = Infinity;
    for (const c of this.input.paths[m]!) {
      if (this.capacity[c]! - this.shares.load[c]! >= this.soloRate[m]!) continue;
      for (const u of this.shares.on(c)) free = Math.min(free, this.expectedEnd[u]!);
    }
    return t + run.seconds <= Math.max(free, t) + this.solo[m]!;
  }

  /** Starts m at t when it slows no one and is worth it; says whether it did. */
  tryAdmit(m: number, t: number): boolean {
    // A migration turned down stays so until a migration on its path ends (the shares may
    // have changed elsewhere too: this only spares asking again and again).
    const signature = this.signature(m);
    if (this.refusedAt[m] === signature) return false;
    const ok = this.admitIfWorth(m, t);
    if (!ok) this.refusedAt[m] = signature;
    return ok;
  }

  private signature(m: number): number {
    let s = 1;
    for (const c of this.input.paths[m]!) s += this.ended[c]!;
    return s;
  }

  private admitIfWorth(m: number, t: number): boolean {
    const { rate, load } = this.shares;
    let room = Infinity;
    for (const c of this.input.paths[m]!) room = Math.min(room, this.capacity[c]! - load[c]!);
    if (!(room > this.capacity[0]! * RELATIVE) || !this.worth(m, t, room)) return false;
    for (const u of this.shares.active()) this.saved[u] = rate[u]!;
    this.shares.join(m);
    if (this.shares.settle()) {
      let slows = false;
      for (const u of this.shares.active()) if (u !== m && rate[u]! < this.saved[u]! * (1 - RELATIVE)) { slows = true; break; }
      if (slows || !this.worth(m, t, rate[m]!)) { this.shares.restore(m, this.saved); return false; }
    }
    this.expectedEnd[m] = t + preCopy(this.profile(m), rate[m]!, this.input.options).seconds;
    return true;
  }
}

export interface ListOptions {
  /**
   * Which ready migration goes first: `chain`, the longest chain of successors (bottom
   * level); `load`, the busiest channel on its path first (seconds of traffic it carries
   * in the whole plan), then the chain.
   */
  priority: 'chain' | 'load';
}

/** Priority per migration: its chain, or the load of its busiest channel plus its chain (chains break ties). */
function priorities(input: ScheduleInput, solo: Float64Array, deps: readonly (readonly number[])[], o: ListOptions): Float64Array {
  const chain = bottomLevels(solo, deps);
  if (o.priority === 'chain') return chain;
  const load = new Float64Array(input.network.capacity.length * 2);
  input.paths.forEach((path, m) => { for (const c of path) load[c]! += solo[m]!; });
  let top = 0;
  for (const x of chain) top = Math.max(top, x);
  return Float64Array.from(chain, (x, m) => {
    let busiest = 0;
    for (const c of input.paths[m]!) busiest = Math.max(busiest, load[c]!);
    return busiest * (top + 1) + x;
  });
}

/** Runs the list schedule over `deps` (the verified dependency graph). */
export function listSchedule(input: ScheduleInput, deps: readonly (readonly number[])[], o: ListOptions = { priority: 'chain' }): ListSchedule {
  const { n } = input.plan;
  const solo = soloSeconds(input);
  const soloRate = Float64Array.from({ length: n }, (_, m) => pathBandwidth(input.network, input.paths[m]!));
  const ready = new ReadyList(priorities(input, solo, deps, o));
  const waiting = new Int32Array(n);
  const succ: number[][] = Array.from({ length: n }, () => []);
  const after = deps.map((list) => [...new Set(list)]);
  after.forEach((list, m) => { for (const p of list) { succ[p]!.push(m); waiting[m]!++; } });
  const admission = new Admission(input, solo, soloRate);

  // Only migrations that became ready, and those turned down on a channel the ended
  // migration used, can have become admissible (shares grow only where a migration leaves).
  const isReady = new Uint8Array(n);
  const seen = new Int32Array(n).fill(-1);
  let fresh: number[] = [];
  const blockedOn: number[][] = Array.from({ length: input.network.capacity.length * 2 }, () => []);
  const decide = (t: number, trigger: number, release: Release) => {
    const candidates = fresh;
    fresh = [];
    if (trigger >= 0) {
      for (const c of input.paths[trigger]!) {
        for (const m of blockedOn[c]!) if (isReady[m] && seen[m] !== trigger) { seen[m] = trigger; candidates.push(m); }
        blockedOn[c] = [];
      }
    }
    candidates.sort((a, b) => ready.compare(a, b));
    for (const m of candidates) {
      if (admission.tryAdmit(m, t)) start(m, t, trigger, release);
      else for (const c of input.paths[m]!) blockedOn[c]!.push(m);
    }
    if (admission.idle()) {
      const first = ready.first((m) => isReady[m] === 1);
      if (first !== undefined) start(first, t, trigger, release, true);
    }
  };
  const start = (m: number, t: number, trigger: number, release: Release, force = false) => {
    if (force) admission.admit(m, t);
    isReady[m] = 0;
    if (trigger >= 0 && !after[m]!.includes(trigger)) after[m]!.push(trigger);
    release(m, t);
  };
  const becomeReady = (m: number) => { isReady[m] = 1; fresh.push(m); ready.push(m); };
  for (let m = 0; m < n; m++) if (waiting[m] === 0) becomeReady(m);
  const schedule = simulate(input, (release) => decide(0, -1, release), (m, t, release) => {
    admission.finish(m);
    for (const s of succ[m]!) if (--waiting[s] === 0) becomeReady(s);
    decide(t, m, release);
  });
  return { schedule, after };
}
