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
import { preCopy, type MigrationProfile } from './duration.js';
import { pathBandwidth } from '../model/network.js';
import { channelCapacity, guestOf, simulate, successorsOf, type Cutoff, type Release, type Schedule, type ScheduleInput } from './makespan.js';
import { FairShare, pathIndex } from './network-share.js';

export interface ListSchedule {
  schedule: Schedule;
  /** The dependency graph extended by the start decisions. */
  after: number[][];
  /**
   * Every migration started at the decision that found it ready, and no two ever shared a
   * channel: then every start was taken for its own sake (it had its path's full speed),
   * whatever the priority, so every priority gives this schedule, which is also the as-soon-
   * as-possible one of `deps` (`after` adds nothing).
   */
  immediate: boolean;
}

/** Each migration alone on its path: its rate (MiB/s), its seconds, the MiB it sends, and 1 where it converges. */
export interface SoloRuns { rate: Float64Array; seconds: Float64Array; transferred: Float64Array; converged: Uint8Array }

// Computed once per input: every list schedule and the bounds ask for them.
const soloCache = new WeakMap<ScheduleInput, SoloRuns>();

/** Each migration alone on its path (shared: read only). */
export function soloRuns(input: ScheduleInput): SoloRuns {
  let runs = soloCache.get(input);
  if (!runs) {
    const { plan, paths, network, options } = input;
    const n = plan.n;
    runs = { rate: new Float64Array(n), seconds: new Float64Array(n), transferred: new Float64Array(n), converged: new Uint8Array(n) };
    for (let m = 0; m < plan.n; m++) {
      const rate = pathBandwidth(network, paths.channel, paths.start[m]!, paths.start[m + 1]!);
      const run = preCopy(guestOf(input, m), rate, options);
      runs.rate[m] = rate;
      runs.seconds[m] = run.seconds;
      runs.transferred[m] = run.transferred;
      runs.converged[m] = run.converged ? 1 : 0;
    }
    soloCache.set(input, runs);
  }
  return runs;
}

/** Seconds each migration takes alone on its path (shared: read only). */
export function soloSeconds(input: ScheduleInput): Float64Array {
  return soloRuns(input).seconds;
}

// Both list variants and the bounds ask for the levels of one graph.
const levelCache = new WeakMap<readonly (readonly number[])[], { solo: Float64Array; level: Float64Array }>();

/** Longest chain of solo durations from each migration to the end of the graph (Kahn order; shared: read only). */
export function bottomLevels(solo: Float64Array, deps: readonly (readonly number[])[]): Float64Array {
  const known = levelCache.get(deps);
  if (known?.solo === solo) return known.level;
  const level = computeBottomLevels(solo, deps);
  levelCache.set(deps, { solo, level });
  return level;
}

function computeBottomLevels(solo: Float64Array, deps: readonly (readonly number[])[]): Float64Array {
  const n = solo.length;
  const { start, list, waiting: indegree } = successorsOf(deps);
  const order = new Int32Array(n);
  let size = 0;
  for (let m = 0; m < n; m++) if (indegree[m] === 0) order[size++] = m;
  for (let i = 0; i < size; i++) {
    const m = order[i]!;
    for (let j = start[m]!; j < start[m + 1]!; j++) if (--indegree[list[j]!] === 0) order[size++] = list[j]!;
  }
  const level = Float64Array.from(solo);
  for (let i = size - 1; i >= 0; i--) {
    const m = order[i]!;
    let best = 0;
    for (let j = start[m]!; j < start[m + 1]!; j++) best = Math.max(best, level[list[j]!]!);
    level[m] = solo[m]! + best;
  }
  return level;
}

/**
 * Migrations by priority, highest first (ties: plan order), as a binary heap (a sorted array
 * with splice is quadratic in the number of ready migrations); entries no longer ready are
 * dropped lazily by `first`.
 */
class ReadyList {
  private items = new Int32Array(64);
  private size = 0;
  constructor(private readonly priority: Float64Array) {}
  compare(a: number, b: number): number {
    const pa = this.priority[a]!;
    const pb = this.priority[b]!;
    return pa > pb ? -1 : pa < pb ? 1 : a - b;
  }
  push(m: number): void {
    if (this.size === this.items.length) { const grown = new Int32Array(this.size * 2); grown.set(this.items); this.items = grown; }
    const items = this.items;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.compare(items[p]!, m) <= 0) break;
      items[i] = items[p]!; i = p;
    }
    items[i] = m;
  }
  /** The first entry that `keep` accepts; the ones before it are dropped. */
  first(keep: (m: number) => boolean): number | undefined {
    while (this.size > 0 && !keep(this.items[0]!)) this.pop();
    return this.size > 0 ? this.items[0] : undefined;
  }
  private pop(): void {
    const items = this.items;
    const last = items[--this.size]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const c = l + 1 < this.size && this.compare(items[l + 1]!, items[l]!) < 0 ? l + 1 : l;
      if (this.compare(items[c]!, last) >= 0) break;
      items[i] = items[c]!; i = c;
    }
    items[i] = last;
  }
}

/**
 * Migrations turned down, listed on each channel of their path in the order they were, as
 * linked lists in typed arrays (no array per channel); a channel's list is emptied when taken
 * and its entries reused.
 */
class Blocked {
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private next = new Int32Array(256);
  private who = new Int32Array(256);
  private size = 0;
  private free = -1;
  constructor(channels: number) {
    this.head = new Int32Array(channels).fill(-1);
    this.tail = new Int32Array(channels).fill(-1);
  }
  add(c: number, m: number): void {
    if (this.free < 0 && this.size === this.who.length) {
      const next = new Int32Array(this.size * 2); next.set(this.next); this.next = next;
      const who = new Int32Array(this.size * 2); who.set(this.who); this.who = who;
    }
    let e = this.free;
    if (e >= 0) this.free = this.next[e]!; else e = this.size++;
    this.who[e] = m;
    this.next[e] = -1;
    if (this.head[c] === -1) this.head[c] = e; else this.next[this.tail[c]!] = e;
    this.tail[c] = e;
  }
  /** Appends to `out` the migrations listed on c that `keep` accepts, in order, and empties c's list. */
  take(c: number, out: number[], keep: (m: number) => boolean): void {
    const first = this.head[c]!;
    if (first === -1) return;
    for (let e = first; e !== -1; e = this.next[e]!) if (keep(this.who[e]!)) out.push(this.who[e]!);
    this.next[this.tail[c]!] = this.free;
    this.free = first;
    this.head[c] = -1;
    this.tail[c] = -1;
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

  private readonly solo: Float64Array;
  private readonly soloRate: Float64Array;
  private readonly soloConverged: Uint8Array;
  /** Each migration's channels, as pathIndex gives them: pathChannel[pathStart[m] .. pathStart[m + 1]]. */
  private readonly pathStart: Int32Array;
  private readonly pathChannel: Int32Array;

  constructor(private readonly input: ScheduleInput, runs: SoloRuns) {
    this.solo = runs.seconds;
    this.soloRate = runs.rate;
    this.soloConverged = runs.converged;
    const n = input.plan.n;
    this.capacity = channelCapacity(input.network);
    this.shares = new FairShare(this.capacity, input.paths, n);
    this.saved = new Float64Array(n);
    this.expectedEnd = new Float64Array(n);
    this.ended = new Int32Array(this.capacity.length);
    this.refusedAt = new Float64Array(n);
    ({ start: this.pathStart, channel: this.pathChannel } = pathIndex(input.paths, this.capacity.length));
  }

  idle(): boolean { return this.shares.count() === 0; }

  /** Whether two admitted migrations ever shared a channel. */
  crowded = false;

  private joined(m: number): void {
    this.shares.join(m);
    for (let i = this.pathStart[m]!; i < this.pathStart[m + 1]!; i++) if (this.shares.usersOn(this.pathChannel[i]!) > 1) this.crowded = true;
  }

  private profile(m: number): MigrationProfile { return guestOf(this.input, m); }

  /** Seconds m takes at `share` MiB/s (its time alone when that is its path's full speed). */
  private seconds(m: number, share: number): number {
    return share === this.soloRate[m] ? this.solo[m]! : preCopy(this.profile(m), share, this.input.options).seconds;
  }

  /** Starts m at time t without asking. */
  admit(m: number, t: number): void {
    this.joined(m);
    this.shares.settle();
    this.expectedEnd[m] = t + this.seconds(m, this.shares.rate[m]!);
  }

  finish(m: number): void {
    for (let i = this.pathStart[m]!; i < this.pathStart[m + 1]!; i++) this.ended[this.pathChannel[i]!]!++;
    this.shares.leave(m);
    this.shares.settle();
  }

  /** Whether m, started at t with `share` MiB/s, converges and ends no later than waiting would. */
  private worth(m: number, t: number, share: number): boolean {
    if (share === this.soloRate[m]) return this.soloConverged[m] === 1;
    const run = preCopy(this.profile(m), share, this.input.options);
    if (!run.converged) return false;
    if (share >= this.soloRate[m]! * (1 - 1e-6)) return true;
    // The earliest the path could free up: the first end among the migrations on its full channels.
    let free = Infinity;
    for (let i = this.pathStart[m]!; i < this.pathStart[m + 1]!; i++) {
      const c = this.pathChannel[i]!;
      if (this.shares.room(c) >= this.soloRate[m]!) continue;
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
    for (let i = this.pathStart[m]!; i < this.pathStart[m + 1]!; i++) s += this.ended[this.pathChannel[i]!]!;
    return s;
  }

  private admitIfWorth(m: number, t: number): boolean {
    const { rate } = this.shares;
    let room = Infinity;
    for (let i = this.pathStart[m]!; i < this.pathStart[m + 1]!; i++) room = Math.min(room, this.shares.room(this.pathChannel[i]!));
    if (!(room > this.capacity[0]! * RELATIVE) || !this.worth(m, t, room)) return false;
    // A join with room for m's full speed is local (FairShare.join): no other rate changes,
    // so the rates need saving (a pass over every running migration) only otherwise.
    if (room < this.shares.solo(m) * (1 - 1e-12)) for (const u of this.shares.active()) this.saved[u] = rate[u]!;
    this.joined(m);
    if (this.shares.settle()) {
      let slows = false;
      for (const u of this.shares.active()) if (u !== m && rate[u]! < this.saved[u]! * (1 - RELATIVE)) { slows = true; break; }
      if (slows || !this.worth(m, t, rate[m]!)) { this.shares.restore(m, this.saved); return false; }
    }
    this.expectedEnd[m] = t + this.seconds(m, rate[m]!);
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
  const { start, channel } = input.paths;
  for (let m = 0; m < input.plan.n; m++) for (let i = start[m]!; i < start[m + 1]!; i++) load[channel[i]!]! += solo[m]!;
  let top = 0;
  for (const x of chain) top = Math.max(top, x);
  return Float64Array.from(chain, (x, m) => {
    let busiest = 0;
    for (let i = start[m]!; i < start[m + 1]!; i++) busiest = Math.max(busiest, load[channel[i]!]!);
    return busiest * (top + 1) + x;
  });
}

/** A copy of the list without its repeats (first occurrences, in order); short lists are checked without a Set. */
function distinct(list: readonly number[]): number[] {
  if (list.length > 16) return [...new Set(list)];
  for (let i = 1; i < list.length; i++) for (let j = 0; j < i; j++) if (list[i] === list[j]) return [...new Set(list)];
  return list.slice();
}

/**
 * Runs the list schedule over `deps` (the verified dependency graph). With a `cutoff` it
 * stops as simulate does (makespan Infinity; `after` is then incomplete).
 */
export function listSchedule(input: ScheduleInput, deps: readonly (readonly number[])[], o: ListOptions = { priority: 'chain' }, cutoff: Cutoff = {}): ListSchedule {
  const { n } = input.plan;
  const runs = soloRuns(input);
  const priority = priorities(input, runs.seconds, deps, o);
  const ready = new ReadyList(priority);
  // Every migration is tried the moment it becomes ready, so the first still ready is the first
  // of those turned down: only they need queueing, when the priorities order all migrations
  // (no NaN; the order of a heap that holds more entries could differ then).
  const queueAll = priority.some((x) => Number.isNaN(x));
  const queued = new Uint8Array(n);
  const after = deps.map(distinct);
  const { start: succStart, list: succ, waiting } = successorsOf(after);
  const admission = new Admission(input, runs);

  // Only migrations that became ready, and those turned down on a channel the ended
  // migration used, can have become admissible (shares grow only where a migration leaves).
  const isReady = new Uint8Array(n);
  const seen = new Int32Array(n).fill(-1);
  let delayed = false; // a ready migration was not started at once
  // Two buffers, swapped at each decision: no array per event.
  let fresh: number[] = [];
  let spare: number[] = [];
  const byPriority = (a: number, b: number) => ready.compare(a, b);
  const blockedOn = new Blocked(input.network.capacity.length * 2);
  const { start: pathStart, channel: pathChannel } = pathIndex(input.paths, input.network.capacity.length * 2);
  let ended = -1;
  // Still ready, and not yet taken for this decision (a migration is listed on each channel of its path).
  const retry = (m: number) => {
    if (!isReady[m] || seen[m] === ended) return false;
    seen[m] = ended;
    return true;
  };
  const decide = (t: number, trigger: number, release: Release) => {
    const candidates = fresh;
    fresh = spare;
    spare = candidates;
    ended = trigger;
    if (trigger >= 0) for (let i = pathStart[trigger]!; i < pathStart[trigger + 1]!; i++) blockedOn.take(pathChannel[i]!, candidates, retry);
    if (candidates.length > 1) candidates.sort(byPriority);
    for (const m of candidates) {
      if (admission.tryAdmit(m, t)) start(m, t, trigger, release);
      else {
        delayed = true;
        for (let i = pathStart[m]!; i < pathStart[m + 1]!; i++) blockedOn.add(pathChannel[i]!, m);
        if (!queued[m]) { queued[m] = 1; ready.push(m); }
      }
    }
    candidates.length = 0;
    if (admission.idle()) {
      const first = ready.first(stillReady);
      if (first !== undefined) start(first, t, trigger, release, true);
    }
  };
  const start = (m: number, t: number, trigger: number, release: Release, force = false) => {
    if (force) { delayed = true; admission.admit(m, t); }
    isReady[m] = 0;
    if (trigger >= 0 && !after[m]!.includes(trigger)) after[m]!.push(trigger);
    release(m, t);
  };
  const stillReady = (m: number) => isReady[m] === 1;
  const becomeReady = (m: number) => {
    isReady[m] = 1;
    fresh.push(m);
    if (queueAll) { queued[m] = 1; ready.push(m); }
  };
  for (let m = 0; m < n; m++) if (waiting[m] === 0) becomeReady(m);
  const schedule = simulate(input, (release) => decide(0, -1, release), (m, t, release) => {
    admission.finish(m);
    for (let i = succStart[m]!; i < succStart[m + 1]!; i++) if (--waiting[succ[i]!] === 0) becomeReady(succ[i]!);
    decide(t, m, release);
  }, cutoff);
  return { schedule, after, immediate: Number.isFinite(schedule.makespan) && !delayed && !admission.crowded };
}
