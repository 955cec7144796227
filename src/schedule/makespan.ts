/**
 * Estimated completion times of a plan, by an event simulation of the pre-copy model
 * (duration.ts) with links shared between the migrations that use them at the same time.
 *
 * Links: every host has one link of attributes.bandwidth Mb/s, full duplex: its sending
 * side is shared equally by the migrations leaving the host at that moment, its receiving
 * side by those arriving. A migration copies at the smaller of its two shares, recomputed
 * whenever a migration joins or leaves one of its links (equal shares: a share one
 * migration cannot use is not handed to the others). A migration spends `setup` seconds
 * before it uses its links, then copies round after round (a round's dirtied pages depend on
 * how long the round really took); at the start of each round it decides, at its current
 * rate, whether this round is the stop-and-copy.
 *
 * Two schedules:
 * - waves: every migration of a wave starts with the wave, which ends when its last
 *   migration does (bandwidth shared inside the wave);
 * - dependencies: each migration starts as soon as the migrations it waits for are done.
 * Starting as soon as possible can, through link sharing, slow a migration already running,
 * so the second can in principle come out longer than the first; the wave schedule also
 * respects the dependencies, so `scheduleMakespans` keeps the shorter of the two and says
 * which (with per-host limits of one migration each way no link is ever shared and the
 * dependency schedule is never longer).
 */
import type { Model } from '../model/model.js';
import type { FlatPlan } from './dependencies.js';
import {
  dirtiedDuring, isFinalRound, linkBandwidth, vmProfile, DEFAULT_DURATION_OPTIONS,
  type DurationOptions, type MigrationProfile, type PreCopyOptions,
} from './duration.js';

export interface ScheduleInput {
  readonly plan: FlatPlan;
  /** Pre-copy inputs per VM. */
  readonly profiles: readonly MigrationProfile[];
  /** Link of each host, MiB/s. */
  readonly bandwidth: Float64Array;
  readonly options: PreCopyOptions;
}

export function scheduleInput(model: Model, plan: FlatPlan, options: DurationOptions = DEFAULT_DURATION_OPTIONS): ScheduleInput {
  return {
    plan,
    profiles: model.vms.map((v) => vmProfile(model, v.index, options)),
    bandwidth: Float64Array.from(model.hosts, (h) => linkBandwidth(model, h.index, options.linkMbps)),
    options,
  };
}

export interface Schedule {
  /** Seconds from the start of the plan, per flat migration. */
  start: Float64Array;
  end: Float64Array;
  makespan: number;
}

const SETUP = 1;
const COPY = 2;
const FINAL = 3;
const DONE = 4;

/** A min-heap of (time, migration, version) events, earliest time then smallest migration first. */
class EventHeap {
  private time = new Float64Array(256);
  private id = new Int32Array(256);
  private ver = new Int32Array(256);
  size = 0;
  private less(i: number, j: number): boolean {
    const a = this.time[i]!;
    const b = this.time[j]!;
    return a < b || (a === b && this.id[i]! < this.id[j]!);
  }
  private swap(i: number, j: number): void {
    const t = this.time[i]!; this.time[i] = this.time[j]!; this.time[j] = t;
    const d = this.id[i]!; this.id[i] = this.id[j]!; this.id[j] = d;
    const v = this.ver[i]!; this.ver[i] = this.ver[j]!; this.ver[j] = v;
  }
  push(t: number, m: number, v: number): void {
    if (this.size === this.time.length) {
      const time = new Float64Array(this.size * 2); time.set(this.time); this.time = time;
      const id = new Int32Array(this.size * 2); id.set(this.id); this.id = id;
      const ver = new Int32Array(this.size * 2); ver.set(this.ver); this.ver = ver;
    }
    let i = this.size++;
    this.time[i] = t; this.id[i] = m; this.ver[i] = v;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p); i = p;
    }
  }
  /** Removes the earliest event; read it first with top*(). */
  pop(): void {
    this.size--;
    this.swap(0, this.size);
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const c = l + 1 < this.size && this.less(l + 1, l) ? l + 1 : l;
      if (!this.less(c, i)) break;
      this.swap(c, i); i = c;
    }
  }
  topTime(): number { return this.time[0]!; }
  topId(): number { return this.id[0]!; }
  topVersion(): number { return this.ver[0]!; }
}

/** Migrations using each host's link in one direction, with O(1) removal. */
class LinkUsers {
  private readonly members: number[][];
  constructor(H: number) { this.members = Array.from({ length: H }, () => []); }
  count(h: number): number { return this.members[h]!.length; }
  of(h: number): readonly number[] { return this.members[h]!; }
  add(h: number, m: number): void { this.members[h]!.push(m); }
  remove(h: number, m: number): void {
    const list = this.members[h]!;
    const i = list.lastIndexOf(m);
    list[i] = list[list.length - 1]!;
    list.pop();
  }
}

/**
 * Runs the migrations: `initial` releases the first ones, `finished(m, t, release)` is told
 * when each one ends and may release others.
 */
function simulate(
  input: ScheduleInput,
  initial: (release: (m: number, t: number) => void) => void,
  finished: (m: number, t: number, release: (m: number, t: number) => void) => void,
): Schedule {
  const { plan, profiles, bandwidth, options: o } = input;
  const { n, vm, from, to } = plan;
  const H = bandwidth.length;
  const phase = new Uint8Array(n);
  const remaining = new Float64Array(n);
  const rate = new Float64Array(n);
  const last = new Float64Array(n);
  const roundStart = new Float64Array(n);
  const rounds = new Int32Array(n);
  const version = new Int32Array(n);
  const start = new Float64Array(n).fill(NaN);
  const end = new Float64Array(n).fill(NaN);
  const senders = new LinkUsers(H);
  const receivers = new LinkUsers(H);
  const heap = new EventHeap();

  const rateOf = (m: number) => Math.min(bandwidth[from[m]!]! / senders.count(from[m]!), bandwidth[to[m]!]! / receivers.count(to[m]!));
  const planEvent = (m: number) => {
    version[m]!++;
    heap.push(phase[m] === SETUP ? last[m]! + remaining[m]! : last[m]! + remaining[m]! / rate[m]!, m, version[m]!);
  };
  const advance = (m: number, t: number) => {
    if (phase[m] === COPY || phase[m] === FINAL) remaining[m] = Math.max(0, remaining[m]! - rate[m]! * (t - last[m]!));
    last[m] = t;
  };
  const refresh = (users: readonly number[], t: number, except: number) => {
    for (const m of users) {
      if (m === except) continue;
      const r = rateOf(m);
      if (r === rate[m]) continue;
      advance(m, t);
      rate[m] = r;
      planEvent(m);
    }
  };
  const beginRound = (m: number, t: number, toCopy: number) => {
    phase[m] = isFinalRound(toCopy, rate[m]!, rounds[m]!, o) ? FINAL : COPY;
    remaining[m] = toCopy;
    last[m] = t;
    roundStart[m] = t;
    planEvent(m);
  };
  /** m starts or stops using its two links: the others sharing them change speed. */
  const useLinks = (m: number, t: number, joining: boolean) => {
    const a = from[m]!;
    const b = to[m]!;
    if (joining) { senders.add(a, m); receivers.add(b, m); } else { senders.remove(a, m); receivers.remove(b, m); }
    refresh(senders.of(a), t, m);
    refresh(receivers.of(b), t, m);
  };
  const startCopy = (m: number, t: number) => {
    useLinks(m, t, true);
    rate[m] = rateOf(m);
    rounds[m] = 0;
    beginRound(m, t, profiles[vm[m]!]!.memory);
  };
  const release = (m: number, t: number) => {
    start[m] = t;
    if (o.setup > 0) {
      phase[m] = SETUP;
      remaining[m] = o.setup;
      last[m] = t;
      planEvent(m);
    } else {
      startCopy(m, t);
    }
  };

  initial(release);
  while (heap.size) {
    const t = heap.topTime();
    const m = heap.topId();
    const ver = heap.topVersion();
    heap.pop();
    if (ver !== version[m]) continue;
    switch (phase[m]) {
      case SETUP:
        startCopy(m, t);
        break;
      case COPY: {
        const elapsed = t - roundStart[m]!;
        rounds[m]!++;
        beginRound(m, t, dirtiedDuring(profiles[vm[m]!]!, elapsed));
        break;
      }
      case FINAL: {
        phase[m] = DONE;
        end[m] = t;
        useLinks(m, t, false);
        finished(m, t, release);
        break;
      }
      default:
        throw new Error(`schedule: unexpected event for migration ${m}`);
    }
  }
  let makespan = 0;
  for (let m = 0; m < n; m++) {
    if (!(end[m]! >= 0)) throw new Error(`schedule: migration ${m} never ran (its dependencies do not form a DAG)`);
    makespan = Math.max(makespan, end[m]!);
  }
  return { start, end, makespan };
}

/** Wave by wave: each wave starts when the previous one has ended. */
export function simulateWaves(input: ScheduleInput): Schedule & { waveSeconds: number[] } {
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
  });
  return { ...schedule, waveSeconds };
}

/** Each migration as soon as all of `deps[m]` have ended. */
export function simulateDependencies(input: ScheduleInput, deps: readonly (readonly number[])[]): Schedule {
  const { n } = input.plan;
  const waiting = new Int32Array(n);
  const succ: number[][] = Array.from({ length: n }, () => []);
  deps.forEach((list, m) => {
    for (const p of new Set(list)) { succ[p]!.push(m); waiting[m]!++; }
  });
  return simulate(input, (release) => {
    for (let m = 0; m < n; m++) if (waiting[m] === 0) release(m, 0);
  }, (m, t, release) => {
    for (const s of succ[m]!) if (--waiting[s] === 0) release(s, t);
  });
}

export interface Makespans {
  waves: Schedule;
  /** The schedule reported for the dependency graph: as soon as possible, unless the waves were shorter. */
  dependencies: Schedule;
  /** Makespan of the as-soon-as-possible schedule, even when longer than the waves'. */
  asap: number;
  /** Which schedule `dependencies` is. */
  chosen: 'asap' | 'waves';
}

export function scheduleMakespans(input: ScheduleInput, deps: readonly (readonly number[])[]): Makespans {
  const waves = simulateWaves(input);
  const asap = simulateDependencies(input, deps);
  const chosen = asap.makespan <= waves.makespan ? 'asap' : 'waves';
  return { waves, dependencies: chosen === 'asap' ? asap : waves, asap: asap.makespan, chosen };
}
