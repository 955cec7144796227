/** The schedule simulations as they were before issue 15's fifth round (helper "sim"), kept as the oracle of test/schedule-speed.test.ts. Do not optimise. */
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
export class FairShare {
  /**
   * Users per channel: the first userCount[c] entries of users[c], kept (never shrunk) so
   * that joins and departures allocate nothing; a leaver's place goes to the channel's last user.
   */
  private readonly users: (Int32Array | undefined)[];
  private readonly userCount: Int32Array;
  /** Members (the first memberCount), and each one's place there. */
  private readonly members: Int32Array;
  private memberCount = 0;
  private readonly position: Int32Array;
  /** Channels with at least one user (the first busyCount), and each one's place in `busy`. */
  private readonly busy: Int32Array;
  private busyCount = 0;
  private readonly busyAt: Int32Array;
  private readonly left: Float64Array;
  private readonly open: Int32Array;
  private readonly frozen: Uint32Array;
  private stamp = 0;
  private readonly heap = new KeyHeap();
  /** Current max-min rate per member and use per channel (after settle()). */
  readonly rate: Float64Array;
  readonly load: Float64Array;
  private dirty = false;

  constructor(
    private readonly capacity: Float64Array,
    private readonly paths: readonly Int32Array[],
    n: number,
  ) {
    this.users = new Array<Int32Array | undefined>(capacity.length);
    this.userCount = new Int32Array(capacity.length);
    this.members = new Int32Array(n);
    this.position = new Int32Array(n).fill(-1);
    this.busy = new Int32Array(capacity.length);
    this.busyAt = new Int32Array(capacity.length).fill(-1);
    this.left = new Float64Array(capacity.length);
    this.open = new Int32Array(capacity.length);
    this.frozen = new Uint32Array(n);
    this.rate = new Float64Array(n);
    this.load = new Float64Array(capacity.length);
  }

  /** The most m can get: its slowest channel (Infinity without channels). */
  solo(m: number): number {
    let b = Infinity;
    for (const c of this.paths[m]!) b = Math.min(b, this.capacity[c]!);
    return b;
  }

  join(m: number): void {
    this.add(m);
    if (this.dirty) return;
    const solo = this.solo(m);
    let room = Infinity;
    for (const c of this.paths[m]!) room = Math.min(room, this.capacity[c]! - this.load[c]!);
    if (room >= solo * (1 - 1e-12)) {
      this.rate[m] = solo;
      for (const c of this.paths[m]!) this.load[c]! += solo;
    } else this.dirty = true;
  }

  leave(m: number): void {
    let local = !this.dirty;
    for (const c of this.paths[m]!) if (local && this.userCount[c]! > 1 && this.load[c]! >= this.capacity[c]! * (1 - 1e-9)) local = false;
    this.remove(m);
    if (local) for (const c of this.paths[m]!) this.load[c] = Math.max(0, this.load[c]! - this.rate[m]!);
    else this.dirty = true;
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
    for (let i = 0; i < this.busyCount; i++) this.load[this.busy[i]!] = 0;
    for (let i = 0; i < this.memberCount; i++) {
      const u = this.members[i]!;
      for (const c of this.paths[u]!) this.load[c]! += this.rate[u]!;
    }
  }

  /** The members (a view: read it before the next change). */
  active(): Int32Array { return this.members.subarray(0, this.memberCount); }
  has(m: number): boolean { return this.position[m]! >= 0; }
  count(): number { return this.memberCount; }
  /** How many use a channel. */
  usersOn(c: number): number { return this.userCount[c]!; }
  /** Users of a channel (a view: read it before the next change). */
  on(c: number): Int32Array { return (this.users[c] ?? EMPTY).subarray(0, this.userCount[c]!); }

  /** Counts m in; the rates are not updated (see join). */
  add(m: number): void {
    this.position[m] = this.memberCount;
    this.members[this.memberCount++] = m;
    for (const c of this.paths[m]!) {
      const k = this.userCount[c]!;
      if (k === 0) { this.busyAt[c] = this.busyCount; this.busy[this.busyCount++] = c; }
      let list = this.users[c];
      if (!list || k === list.length) {
        const grown = new Int32Array(Math.max(4, 2 * k));
        if (list) grown.set(list);
        this.users[c] = list = grown;
      }
      list[k] = m;
      this.userCount[c] = k + 1;
    }
  }

  /** Leaves m out; the rates are not updated (see leave). */
  remove(m: number): void {
    const i = this.position[m]!;
    const last = this.members[--this.memberCount]!;
    if (last !== m) { this.members[i] = last; this.position[last] = i; }
    this.position[m] = -1;
    for (const c of this.paths[m]!) {
      const list = this.users[c]!;
      const k = this.userCount[c]! - 1;
      let j = k;
      while (list[j] !== m) j--;
      list[j] = list[k]!;
      this.userCount[c] = k;
      if (k === 0) {
        this.load[c] = 0;
        const at = this.busyAt[c]!;
        const moved = this.busy[--this.busyCount]!;
        if (moved !== c) { this.busy[at] = moved; this.busyAt[moved] = at; }
        this.busyAt[c] = -1;
      }
    }
  }

  /** Writes every member's max-min rate (MiB/s) into `rate`; members without a channel get Infinity. */
  allocate(rate: Float64Array): void {
    const stamp = ++this.stamp;
    const heap = this.heap;
    heap.clear();
    for (let i = 0; i < this.busyCount; i++) {
      const c = this.busy[i]!;
      this.left[c] = this.capacity[c]!;
      this.open[c] = this.userCount[c]!;
      heap.push(this.left[c]! / this.open[c]!, c);
    }
    for (let i = 0; i < this.memberCount; i++) {
      const m = this.members[i]!;
      if (this.paths[m]!.length === 0) { rate[m] = Infinity; this.frozen[m] = stamp; }
    }
    // Channels in increasing order of their current fair share; an entry whose share changed since is stale.
    while (heap.size) {
      const share = heap.topKey();
      const c = heap.topId();
      heap.pop();
      const k = this.open[c]!;
      if (k === 0 || share !== this.left[c]! / k) continue;
      const best = Math.max(0, share);
      const users = this.users[c]!;
      const count = this.userCount[c]!;
      for (let i = 0; i < count; i++) {
        const m = users[i]!;
        if (this.frozen[m] === stamp) continue;
        this.frozen[m] = stamp;
        rate[m] = best;
        for (const q of this.paths[m]!) {
          this.left[q]! -= best;
          this.open[q]!--;
          if (q !== c && this.open[q]! > 0) heap.push(this.left[q]! / this.open[q]!, q);
        }
      }
    }
  }
}

const EMPTY = new Int32Array(0);

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
