/**
 * Max-min fair shares of network channels (water-filling): the channel whose capacity,
 * split equally between its unassigned users, gives the smallest share is the bottleneck
 * of those users, who get that share; their use is subtracted everywhere on their paths, and
 * so on until every user has a rate. A user never gets more than any channel of its path can
 * give it, and no user's rate could grow without lowering a smaller or equal one.
 *
 * Removing a user never lowers another's rate, and adding one never raises another's.
 *
 * `join`, `leave` and `settle` keep the rates (`rate`) and each channel's use (`load`) up to
 * date and avoid recomputing them when a change is local: a user that joins with room for
 * its full speed on every channel of its path (as much as its slowest channel carries) gets
 * that speed and changes no other rate, since it touches no saturated channel; a user that
 * leaves no saturated channel it shared changes no other rate either, since every user's
 * bottleneck is saturated.
 */
import type { PathList } from './makespan.js';

export class FairShare {
  /** Each migration's channels in one array (pathStart: where each one's begin, read at every join and departure). */
  private readonly pathStart: Int32Array;
  private readonly pathChannel: Int32Array;
  /**
   * Per channel, one record of CHANNEL bytes (one cache line holds two): its capacity and
   * use (f64 at 4c, 4c + 1), how many use it, its place in `busy` and where its users begin
   * in `users` (i32 at 8c + 4, + 5, + 6). Joins and departures touch one line per channel.
   */
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  /**
   * Users per channel: userCount of them from the channel's base, in a region as long as the
   * plan's migrations over that channel (never outgrown: nothing is allocated per join or
   * departure); a leaver's place goes to the channel's last user.
   */
  private readonly users: Int32Array;
  /** Members (the first memberCount), and each one's place there. */
  private readonly members: Int32Array;
  private memberCount = 0;
  private readonly position: Int32Array;
  /** Channels with at least one user (the first busyCount). */
  private readonly busy: Int32Array;
  private busyCount = 0;
  private readonly left: Float64Array;
  private readonly open: Int32Array;
  private readonly frozen: Uint32Array;
  private stamp = 0;
  private readonly heap = new KeyHeap();
  /** Current max-min rate per member (after settle()). */
  readonly rate: Float64Array;
  private dirty = false;

  constructor(capacity: Float64Array, paths: PathList, n: number) {
    const C = capacity.length;
    const index = pathIndex(paths, C);
    this.pathStart = index.start;
    this.pathChannel = index.channel;
    const buffer = new ArrayBuffer(C * CHANNEL);
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
    for (let c = 0; c < C; c++) {
      this.f64[4 * c] = capacity[c]!;
      this.i32[8 * c + 5] = -1;
      this.i32[8 * c + 6] = index.userBase[c]!;
    }
    this.users = new Int32Array(index.channel.length);
    this.members = new Int32Array(n);
    this.position = new Int32Array(n).fill(-1);
    this.busy = new Int32Array(C);
    this.left = new Float64Array(C);
    this.open = new Int32Array(C);
    this.frozen = new Uint32Array(n);
    this.rate = new Float64Array(n);
  }

  /** The most m can get: its slowest channel (Infinity without channels). */
  solo(m: number): number {
    const { pathChannel, f64 } = this;
    let b = Infinity;
    for (let i = this.pathStart[m]!, e = this.pathStart[m + 1]!; i < e; i++) b = Math.min(b, f64[4 * pathChannel[i]!]!);
    return b;
  }

  /** What channel c can still carry: its capacity less its use. */
  room(c: number): number { return this.f64[4 * c]! - this.f64[4 * c + 1]!; }
  /** Channel c's use (MiB/s, after settle()). */
  loadOn(c: number): number { return this.f64[4 * c + 1]!; }

  join(m: number): void {
    this.add(m);
    if (this.dirty) return;
    const { pathChannel, f64 } = this;
    const from = this.pathStart[m]!;
    const to = this.pathStart[m + 1]!;
    let solo = Infinity;
    let room = Infinity;
    for (let i = from; i < to; i++) {
      const c = 4 * pathChannel[i]!;
      solo = Math.min(solo, f64[c]!);
      room = Math.min(room, f64[c]! - f64[c + 1]!);
    }
    if (room >= solo * (1 - 1e-12)) {
      this.rate[m] = solo;
      for (let i = from; i < to; i++) f64[4 * pathChannel[i]! + 1]! += solo;
    } else this.dirty = true;
  }

  leave(m: number): void {
    const { pathChannel, f64, i32 } = this;
    const from = this.pathStart[m]!;
    const to = this.pathStart[m + 1]!;
    let local = !this.dirty;
    for (let i = from; local && i < to; i++) {
      const c = pathChannel[i]!;
      if (i32[8 * c + 4]! > 1 && f64[4 * c + 1]! >= f64[4 * c]! * (1 - 1e-9)) local = false;
    }
    this.remove(m);
    if (local) {
      const r = this.rate[m]!;
      for (let i = from; i < to; i++) { const l = 4 * pathChannel[i]! + 1; f64[l] = Math.max(0, f64[l]! - r); }
    } else this.dirty = true;
  }

  /** Recomputes every rate when a change was not local; says whether it did. */
  settle(): boolean {
    if (!this.dirty) return false;
    this.allocate(this.rate);
    this.recount();
    this.dirty = false;
    return true;
  }

  /** Leaves m out again and puts back the rates of before it joined (`saved`, per member). */
  restore(m: number, saved: Float64Array): void {
    this.remove(m);
    for (let i = 0; i < this.memberCount; i++) { const u = this.members[i]!; this.rate[u] = saved[u]!; }
    this.recount();
    this.dirty = false;
  }

  private recount(): void {
    const { pathChannel, pathStart, f64 } = this;
    for (let i = 0; i < this.busyCount; i++) f64[4 * this.busy[i]! + 1] = 0;
    for (let i = 0; i < this.memberCount; i++) {
      const u = this.members[i]!;
      const r = this.rate[u]!;
      for (let j = pathStart[u]!, e = pathStart[u + 1]!; j < e; j++) f64[4 * pathChannel[j]! + 1]! += r;
    }
  }

  /** The members (a view: read it before the next change). */
  active(): Int32Array { return this.members.subarray(0, this.memberCount); }
  has(m: number): boolean { return this.position[m]! >= 0; }
  count(): number { return this.memberCount; }
  /** How many use a channel. */
  usersOn(c: number): number { return this.i32[8 * c + 4]!; }
  /** Users of a channel (a view: read it before the next change). */
  on(c: number): Int32Array { const base = this.i32[8 * c + 6]!; return this.users.subarray(base, base + this.i32[8 * c + 4]!); }

  /** Counts m in; the rates are not updated (see join). */
  add(m: number): void {
    const { pathChannel, i32, users } = this;
    this.position[m] = this.memberCount;
    this.members[this.memberCount++] = m;
    for (let i = this.pathStart[m]!, e = this.pathStart[m + 1]!; i < e; i++) {
      const c = pathChannel[i]!;
      const k = i32[8 * c + 4]!;
      if (k === 0) { i32[8 * c + 5] = this.busyCount; this.busy[this.busyCount++] = c; }
      users[i32[8 * c + 6]! + k] = m;
      i32[8 * c + 4] = k + 1;
    }
  }

  /** Leaves m out; the rates are not updated (see leave). */
  remove(m: number): void {
    const { pathChannel, i32, f64, users } = this;
    const i = this.position[m]!;
    const last = this.members[--this.memberCount]!;
    if (last !== m) { this.members[i] = last; this.position[last] = i; }
    this.position[m] = -1;
    for (let p = this.pathStart[m]!, e = this.pathStart[m + 1]!; p < e; p++) {
      const c = pathChannel[p]!;
      const base = i32[8 * c + 6]!;
      const k = i32[8 * c + 4]! - 1;
      let j = base + k;
      while (users[j] !== m) j--;
      users[j] = users[base + k]!;
      i32[8 * c + 4] = k;
      if (k === 0) {
        f64[4 * c + 1] = 0;
        const at = i32[8 * c + 5]!;
        const moved = this.busy[--this.busyCount]!;
        if (moved !== c) { this.busy[at] = moved; i32[8 * moved + 5] = at; }
        i32[8 * c + 5] = -1;
      }
    }
  }

  /** Writes every member's max-min rate (MiB/s) into `rate`; members without a channel get Infinity. */
  allocate(rate: Float64Array): void {
    const { pathChannel, pathStart, i32, users, left, open } = this;
    const stamp = ++this.stamp;
    const heap = this.heap;
    heap.clear();
    for (let i = 0; i < this.busyCount; i++) {
      const c = this.busy[i]!;
      left[c] = this.f64[4 * c]!;
      open[c] = i32[8 * c + 4]!;
      heap.push(left[c]! / open[c]!, c);
    }
    for (let i = 0; i < this.memberCount; i++) {
      const m = this.members[i]!;
      if (pathStart[m + 1] === pathStart[m]) { rate[m] = Infinity; this.frozen[m] = stamp; }
    }
    // Channels in increasing order of their current fair share; an entry whose share changed since is stale.
    while (heap.size) {
      const share = heap.topKey();
      const c = heap.topId();
      heap.pop();
      const k = open[c]!;
      if (k === 0 || share !== left[c]! / k) continue;
      const best = Math.max(0, share);
      const base = i32[8 * c + 6]!;
      const count = i32[8 * c + 4]!;
      for (let i = base; i < base + count; i++) {
        const m = users[i]!;
        if (this.frozen[m] === stamp) continue;
        this.frozen[m] = stamp;
        rate[m] = best;
        for (let j = pathStart[m]!, e = pathStart[m + 1]!; j < e; j++) {
          const q = pathChannel[j]!;
          left[q]! -= best;
          open[q]!--;
          if (q !== c && open[q]! > 0) heap.push(left[q]! / open[q]!, q);
        }
      }
    }
  }
}

/** Bytes of a channel's record in FairShare. */
const CHANNEL = 32;

/**
 * The migrations' channels in one array (CSR: m's are channel[start[m] .. start[m + 1]]) and
 * where each channel's users begin in an array as long (userBase: the plan's migrations over
 * the channels before it).
 */
export interface PathIndex extends PathList { readonly userBase: Int32Array }

// Every FairShare and list schedule of one input reads the same index: built once.
const indexCache = new WeakMap<PathList, PathIndex>();

/** The path index of `paths` over `channels` channels (shared: read only). */
export function pathIndex(paths: PathList, channels: number): PathIndex {
  const known = indexCache.get(paths);
  if (known && known.userBase.length === channels + 1) return known;
  const { start, channel } = paths;
  const userBase = new Int32Array(channels + 1);
  for (let i = 0; i < channel.length; i++) userBase[channel[i]! + 1]!++;
  for (let c = 0; c < channels; c++) userBase[c + 1]! += userBase[c]!;
  const index = { start, channel, userBase };
  indexCache.set(paths, index);
  return index;
}

/** A binary min-heap of (key, id) pairs. */
class KeyHeap {
  private key = new Float64Array(64);
  private id = new Int32Array(64);
  size = 0;
  clear(): void { this.size = 0; }
  push(k: number, i: number): void {
    if (this.size === this.key.length) {
      const key = new Float64Array(this.size * 2); key.set(this.key); this.key = key;
      const id = new Int32Array(this.size * 2); id.set(this.id); this.id = id;
    }
    let j = this.size++;
    while (j > 0) {
      const p = (j - 1) >> 1;
      if (this.key[p]! <= k) break;
      this.key[j] = this.key[p]!; this.id[j] = this.id[p]!; j = p;
    }
    this.key[j] = k; this.id[j] = i;
  }
  topKey(): number { return this.key[0]!; }
  topId(): number { return this.id[0]!; }
  pop(): void {
    const k = this.key[--this.size]!;
    const i = this.id[this.size]!;
    let j = 0;
    for (;;) {
      const l = 2 * j + 1;
      if (l >= this.size) break;
      const c = l + 1 < this.size && this.key[l + 1]! < this.key[l]! ? l + 1 : l;
      if (this.key[c]! >= k) break;
      this.key[j] = this.key[c]!; this.id[j] = this.id[c]!; j = c;
    }
    this.key[j] = k; this.id[j] = i;
  }
}
