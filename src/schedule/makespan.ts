/**
 * Estimated completion times of a plan, by an event simulation of the pre-copy model
 * (duration.ts) with links shared between the migrations that use them at the same time.
 *
 * Links: the instance's network (src/model/network.ts): a migration from a to b crosses the
 * links of its path, each full duplex (its "up" and "down" channels are separate). Without a
 * `network`, every host has one link of its own (attributes.bandwidth Mb/s). Migrations that
 * copy at the same time share channels max-min fairly (network-share.ts): each gets its fair
 * share of its bottleneck channel, and what it cannot use goes to the others; rates are
 * recomputed whenever a migration starts or stops copying. A migration spends `setup`
 * seconds before it uses its links, then copies round after round (a round's dirtied pages
 * depend on how long the round really took); at the start of each round it decides, at its
 * current rate, whether this round is the stop-and-copy. A migration whose stop-and-copy was
 * forced by the round limit did not converge (`forced`): its guest dirtied faster than its
 * share copied.
 *
 * Schedules:
 * - waves: every migration of a wave starts with the wave, which ends when its last
 *   migration does (bandwidth shared inside the wave);
 * - dependencies: each migration starts as soon as the migrations it waits for are done;
 * - a list schedule with bandwidth admission (network-schedule.ts) that uses `simulate`.
 * Starting as soon as possible can, through link sharing, slow a migration already running,
 * so the second can come out longer than the first; attach.ts keeps the shortest that
 * converges.
 */
import type { Model } from '../model/model.js';
import type { FlatPlan } from './dependencies.js';
import { networkOf, pathLength, writePathChannels, type Network } from '../model/network.js';
import {
  isFinalRound, vmProfileOf, DEFAULT_DURATION_OPTIONS,
  type DurationOptions, type MigrationProfile, type PreCopyOptions,
} from './duration.js';
import { FairShare } from './network-share.js';

/** Lists of channels, packed: migration m's are channel[start[m] .. start[m + 1]]. */
export interface PathList { readonly start: Int32Array; readonly channel: Int32Array }

export interface ScheduleInput {
  readonly plan: FlatPlan;
  /**
   * Pre-copy inputs per migration, side by side (read at every round): memory, hotDirtySize,
   * hotDirtyDuration and coldDirtyRate of m's guest at 4m .. 4m + 3 (duration.ts MigrationProfile).
   */
  readonly guests: Float64Array;
  readonly network: Network;
  /** Channels each flat migration crosses (network.ts: 2 x link, + 1 downwards), in one buffer. */
  readonly paths: PathList;
  readonly options: PreCopyOptions;
}

/**
 * `cold`: VMs whose every migration in the plan is a cold move (plan v2): the guest is stopped,
 * so it dirties no page and its copy is one pass of its memory.
 */
export function scheduleInput(model: Model, plan: FlatPlan, options: DurationOptions = DEFAULT_DURATION_OPTIONS, cold?: ReadonlySet<number>): ScheduleInput {
  const network = networkOf(model, options.linkMbps);
  return {
    plan,
    guests: guestsOf(model, plan, options, cold),
    network,
    paths: pathsOf(network, plan),
    options,
  };
}

/** Migration m's channels (a view: for the few readers outside the simulations' loops). */
export const pathOf = (paths: PathList, m: number): Int32Array => paths.channel.subarray(paths.start[m]!, paths.start[m + 1]!);

/** The pre-copy inputs of migration m's guest. */
export function guestOf(input: ScheduleInput, m: number): MigrationProfile {
  const g = input.guests;
  return { memory: g[4 * m]!, hotDirtySize: g[4 * m + 1]!, hotDirtyDuration: g[4 * m + 2]!, coldDirtyRate: g[4 * m + 3]! };
}

/** Each migration's channels: no view per migration (a million of them cost more to make and to clone than the channels). */
function pathsOf(network: Network, plan: FlatPlan): PathList {
  const { n, from, to } = plan;
  const start = new Int32Array(n + 1);
  for (let m = 0; m < n; m++) start[m + 1] = start[m]! + pathLength(network, from[m]!, to[m]!);
  const channel = new Int32Array(start[n]!);
  for (let m = 0; m < n; m++) writePathChannels(network, from[m]!, to[m]!, channel, start[m]!);
  return { start, channel };
}

/** Each migration's guest profile, computed once per VM the plan moves (no object per VM). */
function guestsOf(model: Model, plan: FlatPlan, options: DurationOptions, cold?: ReadonlySet<number>): Float64Array {
  const g = new Float64Array(4 * plan.n);
  const memory = model.resources.indexOf(options.resource);
  // A VM's first migration, whose profile its later migrations copy.
  const first = new Map<number, number>();
  for (let m = 0; m < plan.n; m++) {
    const v = plan.vm[m]!;
    const known = first.get(v);
    if (known !== undefined) { g.copyWithin(4 * m, 4 * known, 4 * known + 4); continue; }
    const p = vmProfileOf(model, v, options, memory);
    const stopped = cold?.has(v) === true;
    g[4 * m] = p.memory;
    g[4 * m + 1] = stopped ? 0 : p.hotDirtySize;
    g[4 * m + 2] = p.hotDirtyDuration;
    g[4 * m + 3] = stopped ? 0 : p.coldDirtyRate;
    first.set(v, m);
  }
  return g;
}

/** MiB/s per channel (each link's capacity on both of its channels). */
export function channelCapacity(network: Network): Float64Array {
  const c = new Float64Array(network.capacity.length * 2);
  network.capacity.forEach((x, l) => { c[2 * l] = x; c[2 * l + 1] = x; });
  return c;
}

export interface Schedule {
  /** Seconds from the start of the plan, per flat migration. */
  start: Float64Array;
  end: Float64Array;
  makespan: number;
  /** 1 where the migration's stop-and-copy was forced by the round limit (it did not converge). */
  forced: Uint8Array;
}

/**
 * When a simulation may stop early, its makespan then Infinity: past `time`, or (with
 * `converging`) at the first migration that does not converge, when a schedule in which
 * every migration converges is known.
 */
export interface Cutoff { time?: number; converging?: boolean }

/**
 * Simulations stopped at a cutoff, by the schedule they returned: run on, they give what a
 * simulation with the later cutoff would (the cutoff only decides where to stop). Only the
 * latest schedule of a simulation can be run on.
 */
const paused = new WeakMap<Schedule, (cutoff: Cutoff) => Schedule | undefined>();

/** The schedule `s` (stopped at a cutoff) simulated on up to `cutoff` (default: the end); undefined when it cannot be. */
export function resumeSchedule<S extends Schedule>(s: S, cutoff: Cutoff = {}): S | undefined {
  return paused.get(s)?.(cutoff) as S | undefined;
}

/** Gives simulate's callbacks the way to start migrations. */
export type Release = (m: number, t: number) => void;

const SETUP = 1;
const COPY = 2;
const FINAL = 3;
const DONE = 4;

/**
 * A min-heap of (time, migration, version) events, earliest time then smallest migration
 * first. Entries move into a hole instead of being swapped: the same comparisons, so the
 * same order, with a third of the writes. An entry is 16 bytes of one buffer (time as f64 at
 * 2i, migration and version as i32 at 4i + 2, 4i + 3): a move touches one cache line.
 */
class EventHeap {
  private time = new Float64Array(512);
  private int = new Int32Array(this.time.buffer);
  size = 0;
  push(t: number, m: number, v: number): void {
    if (2 * this.size === this.time.length) {
      const time = new Float64Array(this.time.length * 2); time.set(this.time);
      this.time = time; this.int = new Int32Array(time.buffer);
    }
    const { time, int } = this;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = time[2 * p]!;
      const pm = int[4 * p + 2]!;
      if (!(t < pt || (t === pt && m < pm))) break;
      time[2 * i] = pt; int[4 * i + 2] = pm; int[4 * i + 3] = int[4 * p + 3]!;
      i = p;
    }
    time[2 * i] = t; int[4 * i + 2] = m; int[4 * i + 3] = v;
  }
  /** Removes the earliest event; read it first with top*(). */
  pop(): void {
    const { time, int } = this;
    const size = --this.size;
    const xt = time[2 * size]!;
    const xi = int[4 * size + 2]!;
    const xv = int[4 * size + 3]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      let c = l;
      let ct = time[2 * l]!;
      let ci = int[4 * l + 2]!;
      if (r < size) {
        const rt = time[2 * r]!;
        const ri = int[4 * r + 2]!;
        if (rt < ct || (rt === ct && ri < ci)) { c = r; ct = rt; ci = ri; }
      }
      if (!(ct < xt || (ct === xt && ci < xi))) break;
      time[2 * i] = ct; int[4 * i + 2] = ci; int[4 * i + 3] = int[4 * c + 3]!;
      i = c;
    }
    time[2 * i] = xt; int[4 * i + 2] = xi; int[4 * i + 3] = xv;
  }
  topTime(): number { return this.time[0]!; }
  topId(): number { return this.int[2]!; }
  topVersion(): number { return this.int[3]!; }
}

/**
 * Runs the migrations: `initial` releases the first ones, `finished(m, t, release)` is told
 * when each one ends and may release others.
 */
export function simulate(
  input: ScheduleInput,
  initial: (release: Release) => void,
  finished: (m: number, t: number, release: Release) => void,
  cutoff: Cutoff = {},
): Schedule {
  return new Simulation(input, cutoff).run(initial, finished);
}

/** The state of one simulation: per migration its phase, its round and its rate; the events; the shares. */
class Simulation {
  private readonly phase: Uint8Array;
  private readonly remaining: Float64Array;
  private readonly rate: Float64Array;
  private readonly last: Float64Array;
  private readonly roundStart: Float64Array;
  private readonly rounds: Int32Array;
  private readonly version: Int32Array;
  private readonly start: Float64Array;
  private readonly end: Float64Array;
  private readonly forced: Uint8Array;
  private readonly shares: FairShare;
  /** Per migration its guest's profile (guestProfiles). */
  private readonly guest: Float64Array;
  private readonly heap = new EventHeap();
  // Joins and departures at one instant are batched: the shares are recomputed once, before
  // the first event of a later instant (thousands of migrations may start together).
  private readonly joining: number[] = [];
  private readonly pending: Uint8Array;
  private dirty = false;
  private dirtyAt = 0;
  private gaveUp = false;
  private forcedSoFar = 0;
  private finished: (m: number, t: number, release: Release) => void = () => {};
  private readonly releaser: Release = (m, t) => this.release(m, t);
  /** Counts the stops at a cutoff: only the schedule of the latest can be run on. */
  private stops = 0;

  constructor(private readonly input: ScheduleInput, private cutoff: Cutoff) {
    const { n } = input.plan;
    this.phase = new Uint8Array(n);
    this.remaining = new Float64Array(n);
    this.rate = new Float64Array(n);
    this.last = new Float64Array(n);
    this.roundStart = new Float64Array(n);
    this.rounds = new Int32Array(n);
    this.version = new Int32Array(n);
    this.start = new Float64Array(n).fill(NaN);
    this.end = new Float64Array(n).fill(NaN);
    this.forced = new Uint8Array(n);
    this.pending = new Uint8Array(n);
    this.shares = new FairShare(channelCapacity(input.network), input.paths, n);
    this.guest = input.guests;
  }

  run(initial: (release: Release) => void, finished: (m: number, t: number, release: Release) => void): Schedule {
    this.finished = finished;
    initial(this.releaser);
    return this.loop();
  }

  /**
   * Runs on from where the last cutoff stopped, up to `cutoff`; undefined when a later stop
   * came since, or when `cutoff` would have stopped earlier than the last one did.
   */
  private resume(stop: number, cutoff: Cutoff): Schedule | undefined {
    if (stop !== this.stops || (cutoff.time ?? Infinity) < (this.cutoff.time ?? Infinity)) return undefined;
    if (cutoff.converging && !this.cutoff.converging) return undefined;
    this.cutoff = cutoff;
    this.gaveUp = cutoff.converging === true && this.forcedSoFar > 0;
    return this.loop();
  }

  private loop(): Schedule {
    const { start, end, forced, heap, finished, releaser } = this;
    const until = this.cutoff.time ?? Infinity;
    for (;;) {
      if (this.dirty && (heap.size === 0 || heap.topTime() > this.dirtyAt)) this.flush(this.dirtyAt);
      if (heap.size === 0) break;
      const t = heap.topTime();
      // Past the cutoff the schedule cannot be chosen: stop (its makespan is then Infinity).
      if (t > until || this.gaveUp) {
        const stopped = { start, end, makespan: Infinity, forced };
        const stop = ++this.stops;
        paused.set(stopped, (cutoff) => this.resume(stop, cutoff));
        return stopped;
      }
      const m = heap.topId();
      const ver = heap.topVersion();
      heap.pop();
      if (ver !== this.version[m]) continue;
      if (this.step(m, t)) finished(m, t, releaser);
    }
    let makespan = 0;
    for (let m = 0; m < this.input.plan.n; m++) {
      if (!(end[m]! >= 0)) throw new Error(`schedule: migration ${m} never ran (its dependencies do not form a DAG)`);
      makespan = Math.max(makespan, end[m]!);
    }
    return { start, end, makespan, forced };
  }

  /** Handles m's event at t; true when m has ended. */
  private step(m: number, t: number): boolean {
    switch (this.phase[m]) {
      case SETUP:
        this.startCopy(m, t);
        return false;
      case COPY:
        this.rounds[m]!++;
        this.beginRound(m, t, this.dirtied(m, t - this.roundStart[m]!));
        return false;
      case FINAL:
        this.phase[m] = DONE;
        this.end[m] = t;
        this.shares.leave(m);
        this.mark(t);
        return true;
      default:
        throw new Error(`schedule: unexpected event for migration ${m}`);
    }
  }

  /** dirtiedDuring (duration.ts) of m's guest, its profile read from `guest`. */
  private dirtied(m: number, seconds: number): number {
    const g = this.guest;
    const memory = g[4 * m]!;
    const hotDirtySize = g[4 * m + 1]!;
    const hotDirtyDuration = g[4 * m + 2]!;
    const hot = hotDirtyDuration > 0 ? hotDirtySize * Math.min(1, seconds / hotDirtyDuration) : hotDirtySize;
    return Math.min(memory, hot + g[4 * m + 3]! * seconds);
  }

  private planEvent(m: number): void {
    this.version[m]!++;
    const due = this.phase[m] === SETUP ? this.last[m]! + this.remaining[m]! : this.last[m]! + this.remaining[m]! / this.rate[m]!;
    this.heap.push(due, m, this.version[m]!);
  }

  private advance(m: number, t: number): void {
    const p = this.phase[m];
    if (p === COPY || p === FINAL) this.remaining[m] = Math.max(0, this.remaining[m]! - this.rate[m]! * (t - this.last[m]!));
    this.last[m] = t;
  }

  private mark(t: number): void { this.dirty = true; this.dirtyAt = t; }

  private beginRound(m: number, t: number, toCopy: number): void {
    const o = this.input.options;
    const final = isFinalRound(toCopy, this.rate[m]!, this.rounds[m]!, o);
    if (final && toCopy / this.rate[m]! > o.maxDowntime) { this.forced[m] = 1; this.forcedSoFar++; this.gaveUp ||= this.cutoff.converging === true; }
    this.phase[m] = final ? FINAL : COPY;
    this.remaining[m] = toCopy;
    this.last[m] = t;
    this.roundStart[m] = t;
    this.planEvent(m);
  }

  /** Max-min shares after migrations joined or left: new ones begin copying, those whose rate changed get a new event time. */
  private flush(t: number): void {
    const { shares, rate } = this;
    this.dirty = false;
    if (shares.settle()) {
      for (const m of shares.active()) {
        if (this.pending[m] || shares.rate[m] === rate[m]) continue;
        this.advance(m, t);
        rate[m] = shares.rate[m]!;
        this.planEvent(m);
      }
    }
    for (const m of this.joining) {
      this.pending[m] = 0;
      rate[m] = shares.rate[m]!;
      this.rounds[m] = 0;
      this.beginRound(m, t, this.guest[4 * m]!);
    }
    this.joining.length = 0;
  }

  private startCopy(m: number, t: number): void {
    this.shares.join(m);
    this.pending[m] = 1;
    this.joining.push(m);
    this.mark(t);
  }

  private release(m: number, t: number): void {
    this.start[m] = t;
    if (this.input.options.setup > 0) {
      this.phase[m] = SETUP;
      this.remaining[m] = this.input.options.setup;
      this.last[m] = t;
      this.planEvent(m);
    } else {
      this.startCopy(m, t);
    }
  }
}

/** Wave by wave: each wave starts when the previous one has ended. */
export function simulateWaves(input: ScheduleInput, cutoff: Cutoff = {}): Schedule & { waveSeconds: number[] } {
  const { waveStart } = input.plan;
  const W = waveStart.length - 1;
  const waveSeconds: number[] = new Array<number>(W).fill(0);
  let current = 0;
  let left = 0;
  let waveBegan = 0;
  const open = (t: number, release: (m: number, t: number) => void) => {
    while (current < W && waveStart[current + 1] === waveStart[current]) current++; // empty waves
    if (current >= W) return;
    waveBegan = t;
    left = waveStart[current + 1]! - waveStart[current]!;
    for (let m = waveStart[current]!; m < waveStart[current + 1]!; m++) release(m, t);
  };
  const schedule = simulate(input, (release) => open(0, release), (_m, t, release) => {
    if (--left > 0) return;
    waveSeconds[current] = t - waveBegan;
    current++;
    open(t, release);
  }, cutoff);
  return withWaveSeconds(schedule, waveSeconds);
}

/** The wave schedule's result; when stopped at a cutoff, run on as its simulation is. */
function withWaveSeconds(schedule: Schedule, waveSeconds: number[]): Schedule & { waveSeconds: number[] } {
  const out = { ...schedule, waveSeconds };
  const more = paused.get(schedule);
  if (more) paused.set(out, (cutoff) => { const s = more(cutoff); return s && withWaveSeconds(s, waveSeconds); });
  return out;
}

/**
 * The successors of each migration in `deps` (duplicates counted once), in increasing order,
 * as one array (CSR: successors of p are `list[start[p] .. start[p + 1])`), and how many
 * distinct migrations each one waits for: no array or set per migration.
 */
export interface Successors { start: Int32Array; list: Int32Array; waiting: Int32Array }

export function successorsOf(deps: readonly (readonly number[])[]): Successors {
  const n = deps.length;
  const start = new Int32Array(n + 1);
  const waiting = new Int32Array(n);
  const mark = new Int32Array(n).fill(-1);
  for (let m = 0; m < n; m++) {
    for (const p of deps[m]!) if (mark[p] !== m) { mark[p] = m; start[p + 1]!++; waiting[m]!++; }
  }
  for (let p = 0; p < n; p++) start[p + 1]! += start[p]!;
  const fill = start.slice(0, n);
  const list = new Int32Array(start[n]!);
  mark.fill(-1);
  for (let m = 0; m < n; m++) {
    for (const p of deps[m]!) if (mark[p] !== m) { mark[p] = m; list[fill[p]!++] = m; }
  }
  return { start, list, waiting };
}

/** Each migration as soon as all of `deps[m]` have ended. */
export function simulateDependencies(input: ScheduleInput, deps: readonly (readonly number[])[], cutoff: Cutoff = {}): Schedule {
  const { n } = input.plan;
  const { start, list, waiting } = successorsOf(deps);
  return simulate(input, (release) => {
    for (let m = 0; m < n; m++) if (waiting[m] === 0) release(m, 0);
  }, (m, t, release) => {
    for (let i = start[m]!; i < start[m + 1]!; i++) if (--waiting[list[i]!] === 0) release(list[i]!, t);
  }, cutoff);
}

/** Migrations whose stop-and-copy the schedule forced. */
export function forcedCount(s: Schedule): number {
  let k = 0;
  for (const f of s.forced) k += f;
  return k;
}
