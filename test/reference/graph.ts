/** The pre-issue-15 reachability (batched bitsets), kept as the oracle of test/reachability.test.ts. Do not optimise. */
/**
 * Directed acyclic graphs over migrations numbered 0..n-1, as predecessor lists in CSR
 * form, with a batched reachability query that stays linear in memory: the sources are
 * taken in chunks of 2,048 in topological order and one pass propagates, for every node
 * after the chunk's start, the set of the chunk's nodes that reach it (64 words a node).
 */

export interface Dag {
  readonly n: number;
  /** Predecessors of node m: preds[predStart[m] .. predStart[m + 1]). */
  readonly predStart: Int32Array;
  readonly preds: Int32Array;
  /** Nodes in a topological order, and each node's position in it. */
  readonly order: Int32Array;
  readonly pos: Int32Array;
}

/** Builds the graph; null when the lists have a cycle. Lists must hold valid, distinct node numbers. */
export function dagOf(lists: readonly (readonly number[])[]): Dag | null {
  const n = lists.length;
  const predStart = new Int32Array(n + 1);
  for (let m = 0; m < n; m++) predStart[m + 1] = predStart[m]! + lists[m]!.length;
  const preds = new Int32Array(predStart[n]!);
  for (let m = 0; m < n; m++) preds.set(lists[m]!, predStart[m]!);
  const order = topologicalOrder(n, predStart, preds);
  if (!order) return null;
  const pos = new Int32Array(n);
  for (let i = 0; i < n; i++) pos[order[i]!] = i;
  return { n, predStart, preds, order, pos };
}

/** Kahn's algorithm, smallest node first among the ready ones (so 0..n-1 when every edge goes forward). */
function topologicalOrder(n: number, predStart: Int32Array, preds: Int32Array): Int32Array | null {
  let forward = true;
  for (let m = 0; m < n && forward; m++) for (let k = predStart[m]!; k < predStart[m + 1]!; k++) if (preds[k]! >= m) { forward = false; break; }
  if (forward) return Int32Array.from({ length: n }, (_, i) => i);
  const indegree = new Int32Array(n);
  const succCount = new Int32Array(n + 1);
  for (let m = 0; m < n; m++) {
    indegree[m] = predStart[m + 1]! - predStart[m]!;
    for (let k = predStart[m]!; k < predStart[m + 1]!; k++) succCount[preds[k]! + 1]!++;
  }
  for (let m = 0; m < n; m++) succCount[m + 1]! += succCount[m]!;
  const succ = new Int32Array(preds.length);
  const fill = succCount.slice(0, n);
  for (let m = 0; m < n; m++) for (let k = predStart[m]!; k < predStart[m + 1]!; k++) succ[fill[preds[k]!]!++] = m;
  // A binary heap of ready nodes keeps the order deterministic and close to the numbering.
  const heap: number[] = [];
  const push = (x: number) => {
    heap.push(x);
    for (let i = heap.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (heap[p]! <= x) break;
      heap[i] = heap[p]!; heap[p] = x; i = p;
    }
  };
  const pop = () => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length) {
      let i = 0;
      heap[0] = last;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const c = l + 1 < heap.length && heap[l + 1]! < heap[l]! ? l + 1 : l;
        if (heap[c]! >= heap[i]!) break;
        [heap[i], heap[c]] = [heap[c]!, heap[i]!];
        i = c;
      }
    }
    return top;
  };
  for (let m = 0; m < n; m++) if (indegree[m] === 0) push(m);
  const order = new Int32Array(n);
  let done = 0;
  while (heap.length) {
    const m = pop();
    order[done++] = m;
    for (let k = succCount[m]!; k < succCount[m + 1]!; k++) if (--indegree[succ[k]!]! === 0) push(succ[k]!);
  }
  return done === n ? order : null;
}

const WORDS = 64;
const CHUNK = WORDS * 32;

/**
 * For each query i: does a path of one edge or more lead from sources[i] to targets[i]?
 * (A node does not reach itself.)
 */
export function reaches(dag: Dag, sources: ArrayLike<number>, targets: ArrayLike<number>): Uint8Array {
  const { n, predStart, preds, order, pos } = dag;
  const q = sources.length;
  const out = new Uint8Array(q);
  if (q === 0 || n === 0) return out;
  const chunks = Math.ceil(n / CHUNK);
  // Bucket the queries by the chunk of their source.
  const bucketStart = new Int32Array(chunks + 1);
  for (let i = 0; i < q; i++) bucketStart[((pos[sources[i]!]! / CHUNK) | 0) + 1]!++;
  for (let c = 0; c < chunks; c++) bucketStart[c + 1]! += bucketStart[c]!;
  const fill = bucketStart.slice(0, chunks);
  const bucket = new Int32Array(q);
  for (let i = 0; i < q; i++) bucket[fill[(pos[sources[i]!]! / CHUNK) | 0]!++] = i;
  let bits: Int32Array | undefined;
  for (let c = 0; c < chunks; c++) {
    const b0 = bucketStart[c]!;
    const b1 = bucketStart[c + 1]!;
    if (b0 === b1) continue;
    const start = c * CHUNK;
    let last = -1;
    for (let k = b0; k < b1; k++) last = Math.max(last, pos[targets[bucket[k]!]!]!);
    if (last <= start) continue; // every target is at or before the chunk's start: nothing is reached
    const span = last - start + 1;
    if (!bits || bits.length < span * WORDS) bits = new Int32Array(span * WORDS);
    else bits.fill(0, 0, span * WORDS);
    // Within the chunk only the first words can be set yet; past it all 64 may be.
    for (let i = start; i <= last; i++) {
      const m = order[i]!;
      const base = (i - start) * WORDS;
      const limit = Math.min(WORDS, ((Math.min(i, start + CHUNK - 1) - start) >> 5) + 1);
      for (let k = predStart[m]!; k < predStart[m + 1]!; k++) {
        const pp = pos[preds[k]!]!;
        if (pp < start) continue;
        const pb = (pp - start) * WORDS;
        for (let w = 0; w < limit; w++) bits[base + w]! |= bits[pb + w]!;
      }
      if (i < start + CHUNK) bits[base + ((i - start) >> 5)]! |= 1 << ((i - start) & 31);
    }
    for (let k = b0; k < b1; k++) {
      const qi = bucket[k]!;
      const ps = pos[sources[qi]!]!;
      const pt = pos[targets[qi]!]!;
      if (pt <= ps) continue;
      const rel = ps - start;
      out[qi] = (bits[(pt - start) * WORDS + (rel >> 5)]! >>> (rel & 31)) & 1;
    }
  }
  return out;
}

/**
 * The transitive reduction of a DAG given by predecessor lists (duplicates allowed): an
 * edge p -> m is dropped when p reaches another predecessor of m. Lists come out sorted.
 */
export function transitiveReduction(lists: readonly (readonly number[])[]): number[][] {
  const unique = lists.map((l) => [...new Set(l)].sort((a, b) => a - b));
  const dag = dagOf(unique);
  if (!dag) throw new Error('transitiveReduction: the graph has a cycle');
  const sources: number[] = [];
  const targets: number[] = [];
  for (const l of unique) {
    if (l.length < 2) continue;
    for (const p of l) for (const other of l) if (p !== other) { sources.push(p); targets.push(other); }
  }
  const hit = reaches(dag, sources, targets);
  const redundant = new Set<number>();
  let i = 0;
  return unique.map((l) => {
    if (l.length < 2) return l;
    redundant.clear();
    for (const p of l) for (const other of l) if (p !== other) { if (hit[i++]) redundant.add(p); }
    return redundant.size ? l.filter((p) => !redundant.has(p)) : l;
  });
}
