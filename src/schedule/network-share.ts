/**
 * Max-min fair shares of network channels (water-filling): the channel whose capacity,
 * split equally between its unassigned users, gives the smallest share is the bottleneck
 * of those users, who get that share; their use is subtracted everywhere on their paths, and
 * so on until every user has a rate. A user never gets more than any channel of its path can
 * give it, and no user's rate could grow without lowering a smaller or equal one.
 *
 * Removing a user never lowers another's rate, and adding one never raises another's.
 */
export class FairShare {
  private readonly users: number[][];
  private readonly members: number[] = [];
  private readonly position: Int32Array;
  /** Channels with at least one user, and each one's place in `busy`. */
  private readonly busy: number[] = [];
  private readonly busyAt: Int32Array;
  private readonly left: Float64Array;
  private readonly open: Int32Array;
  private readonly frozen: Uint32Array;
  private stamp = 0;

  constructor(
    private readonly capacity: Float64Array,
    private readonly paths: readonly Int32Array[],
    n: number,
  ) {
    this.users = Array.from({ length: capacity.length }, () => []);
    this.position = new Int32Array(n).fill(-1);
    this.busyAt = new Int32Array(capacity.length).fill(-1);
    this.left = new Float64Array(capacity.length);
    this.open = new Int32Array(capacity.length);
    this.frozen = new Uint32Array(n);
  }

  active(): readonly number[] { return this.members; }
  has(m: number): boolean { return this.position[m]! >= 0; }
  count(): number { return this.members.length; }
  /** Users of a channel. */
  on(c: number): readonly number[] { return this.users[c]!; }

  add(m: number): void {
    this.position[m] = this.members.length;
    this.members.push(m);
    for (const c of this.paths[m]!) {
      const list = this.users[c]!;
      if (list.length === 0) { this.busyAt[c] = this.busy.length; this.busy.push(c); }
      list.push(m);
    }
  }

  remove(m: number): void {
    const i = this.position[m]!;
    const last = this.members.pop()!;
    if (last !== m) { this.members[i] = last; this.position[last] = i; }
    this.position[m] = -1;
    for (const c of this.paths[m]!) {
      const list = this.users[c]!;
      const j = list.lastIndexOf(m);
      list[j] = list[list.length - 1]!;
      list.pop();
      if (list.length === 0) {
        const at = this.busyAt[c]!;
        const moved = this.busy.pop()!;
        if (moved !== c) { this.busy[at] = moved; this.busyAt[moved] = at; }
        this.busyAt[c] = -1;
      }
    }
  }

  /** Writes every member's max-min rate (MiB/s) into `rate`; members without a channel get Infinity. */
  allocate(rate: Float64Array): void {
    const stamp = ++this.stamp;
    for (const c of this.busy) { this.left[c] = this.capacity[c]!; this.open[c] = this.users[c]!.length; }
    let unassigned = 0;
    for (const m of this.members) {
      if (this.paths[m]!.length === 0) { rate[m] = Infinity; this.frozen[m] = stamp; } else unassigned++;
    }
    while (unassigned > 0) {
      let best = Infinity;
      let bottleneck = -1;
      for (const c of this.busy) {
        const k = this.open[c]!;
        if (k > 0 && this.left[c]! / k < best) { best = this.left[c]! / k; bottleneck = c; }
      }
      if (bottleneck < 0) break;
      best = Math.max(0, best);
      for (const m of this.users[bottleneck]!) {
        if (this.frozen[m] === stamp) continue;
        this.frozen[m] = stamp;
        rate[m] = best;
        unassigned--;
        for (const c of this.paths[m]!) { this.left[c]! -= best; this.open[c]!--; }
      }
    }
  }
}
