/**
 * Chain depths for the greedy's order: per pending VM, 1 + the deepest chain of blocked VMs
 * waiting (transitively) for room on its source host, relaxed round by round (each round reads
 * the last round's depths) up to a number of rounds (cycles would grow forever).
 *
 * Depths only grow from one round to the next, so a host's deepest waiting chain only grows,
 * and a round need only revisit the hosts whose deepest waiting chain grew in it and the blocked
 * VMs whose depth grew in the last round: the depths of relaxing every VM in every round, in
 * time close to the number of changes.
 */
export interface ChainInput {
  /** The pending VMs (no duplicates). */
  list: readonly number[];
  /** Those of them that cannot enter their target now. */
  blocked: readonly number[];
  hostOf: (vm: number) => number;
  target: ArrayLike<number>;
  hosts: number;
  rounds: number;
}

/** Writes the depths of `list` into `depth` (indexed by VM; other entries untouched) and returns it. */
export function relaxChainDepths(input: ChainInput, depth: Float64Array): Float64Array {
  const { list, blocked, hostOf, target, hosts: H, rounds } = input;
  for (const v of list) depth[v] = 1;
  const onHost = byHost(list, hostOf, H);
  const isBlocked = new Uint8Array(depth.length);
  for (const w of blocked) isBlocked[w] = 1;
  const waiting = new Float64Array(H); // per host: deepest chain waiting to enter it
  const grownIn = new Int32Array(H).fill(-1); // round in which the host's waiting chain last grew
  let grownBlocked: number[] = blocked.slice();
  for (let round = 0; round < rounds; round++) {
    const grownHosts: number[] = [];
    for (const w of grownBlocked) {
      const t = target[w]!;
      if (depth[w]! > waiting[t]!) {
        waiting[t] = depth[w]!;
        if (grownIn[t] !== round) { grownIn[t] = round; grownHosts.push(t); }
      }
    }
    grownBlocked = [];
    let changed = false;
    for (const h of grownHosts) {
      const d = 1 + waiting[h]!;
      for (let i = onHost.start[h]!; i < onHost.start[h + 1]!; i++) {
        const v = onHost.items[i]!;
        if (d === depth[v]) continue;
        depth[v] = d;
        changed = true;
        if (isBlocked[v]) grownBlocked.push(v);
      }
    }
    if (!changed) break;
  }
  return depth;
}

/** The VMs of the list grouped by host (compressed rows). */
function byHost(list: readonly number[], hostOf: (vm: number) => number, H: number): { start: Int32Array; items: Int32Array } {
  const start = new Int32Array(H + 1);
  for (const v of list) start[hostOf(v) + 1]!++;
  for (let h = 0; h < H; h++) start[h + 1]! += start[h]!;
  const fill = start.slice(0, H);
  const items = new Int32Array(list.length);
  for (const v of list) items[fill[hostOf(v)]!++] = v;
  return { start, items };
}
