/**
 * Directed acyclic graphs over migrations numbered 0..n-1, as predecessor lists in CSR
 * form, and exact reachability queries in time close to linear for the graphs plans have.
 *
 * A query "does s reach t" is first tried against labels that can only say "no" when the
 * answer is no: positions in a topological order, longest-path levels, and the post-order
 * intervals of two depth-first traversals (GRAIL: if s reaches t, t's interval lies inside
 * s's in every traversal). What they leave open is settled by a depth-first search from s
 * that only enters nodes whose labels still allow reaching t. Dependency graphs are local
 * (edges join migrations that share a host or a VM), so these searches stay small; a search
 * that grows past its budget is handed, with the others like it, to the batched bitset
 * propagation (`reachesBatched`), whose cost is quadratic but which is then rarely used.
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
  const { start, items } = csrOf(lists);
  return dagOfCsr(start, items);
}

/** The graph of predecessor lists in CSR form (valid, distinct node numbers); null when they have a cycle. */
function dagOfCsr(predStart: Int32Array, preds: Int32Array): Dag | null {
  const n = predStart.length - 1;
  const order = topologicalOrder(n, predStart, preds);
  if (!order) return null;
  const pos = new Int32Array(n);
  for (let i = 0; i < n; i++) pos[order[i]!] = i;
  return { n, predStart, preds, order, pos };
}

/** Predecessor lists in CSR form: node m's are items[start[m] .. start[m + 1]). */
export interface PredLists {
  readonly start: Int32Array;
  readonly items: Int32Array;
}

function csrOf(lists: readonly (readonly number[])[]): PredLists {
  const n = lists.length;
  const start = new Int32Array(n + 1);
  for (let m = 0; m < n; m++) start[m + 1] = start[m]! + lists[m]!.length;
  const items = new Int32Array(start[n]!);
  for (let m = 0; m < n; m++) items.set(lists[m]!, start[m]!);
  return { start, items };
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
 * Batched reachability: the sources taken in chunks of 2,048 in topological order, one pass
 * propagates, for every node after the chunk's start, the set of the chunk's nodes that
 * reach it (64 words a node). Exact; quadratic in the worst case.
 */
export function reachesBatched(dag: Dag, sources: ArrayLike<number>, targets: ArrayLike<number>): Uint8Array {
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

/** Labels of a DAG that can refute reachability, and its successor lists for searches. */
interface ReachIndex {
  readonly succStart: Int32Array;
  readonly succ: Int32Array;
  /**
   * LABELS numbers per node, side by side so that one node's fit in a cache line: its
   * position in the topological order, its level (longest path from a node without
   * predecessors), and per traversal the least post-order rank below it and its own.
   */
  readonly labels: Int32Array;
  /** Marks of the searches (a stamp per search), kept with the graph: callers ask many small batches. */
  readonly seen: Int32Array;
  stamp: number;
  /** Marks of the nodes near a search's target (a stamp per search), made by the first search that marks. */
  near?: Int32Array;
  nearStamp: number;
}

const LABELS = 6;

const indexes = new WeakMap<Dag, ReachIndex>();

/**
 * The labels of `dag`, made once. `heights` (for a graph of the caller's own, not shared):
 * the second traversal's labels replaced by the node's height (longest path to a node without
 * successors, which must fall along a path), a sweep instead of a traversal: it refutes fewer
 * questions (at 80,000 hosts it leaves 365,000 of the reduction's open instead of 315,000),
 * for less than it costs to ask them.
 */
function reachIndex(dag: Dag, heights = false): ReachIndex {
  let index = indexes.get(dag);
  if (!index) {
    const { n } = dag;
    const { succStart, succ } = successors(dag);
    // Each label computed in dense arrays (random reads hit the cache more often than in rows
    // of six), then copied to its column; the arrays serve the three passes in turn.
    const work: Work = { a: new Int32Array(n), b: new Int32Array(n), stack: new Int32Array(n), next: new Int32Array(n) };
    const labels = new Int32Array(n * LABELS);
    levels(dag, work.a);
    for (let m = 0; m < n; m++) {
      labels[m * LABELS] = dag.pos[m]!;
      labels[m * LABELS + 1] = work.a[m]!;
    }
    for (const [reversed, at] of [[false, 2], [true, 4]] as const) {
      if (reversed && heights) {
        // As an interval: [-height, 0] holds the other's when the height is at least the other's.
        height(dag, work.a);
        for (let m = 0; m < n; m++) labels[m * LABELS + at] = -work.a[m]!;
        continue;
      }
      intervals(n, dag.predStart, succStart, succ, reversed, work);
      for (let m = 0; m < n; m++) {
        labels[m * LABELS + at] = work.b[m]!;
        labels[m * LABELS + at + 1] = work.a[m]!;
      }
    }
    index = { succStart, succ, labels, seen: new Int32Array(n), stamp: 0, nearStamp: 0 };
    indexes.set(dag, index);
  }
  return index;
}

function successors(dag: Dag): { succStart: Int32Array; succ: Int32Array } {
  const { n, predStart, preds } = dag;
  const succStart = new Int32Array(n + 1);
  for (let k = 0; k < preds.length; k++) succStart[preds[k]! + 1]!++;
  for (let m = 0; m < n; m++) succStart[m + 1]! += succStart[m]!;
  const fill = succStart.slice(0, n);
  const succ = new Int32Array(preds.length);
  for (let m = 0; m < n; m++) for (let k = predStart[m]!; k < predStart[m + 1]!; k++) succ[fill[preds[k]!]!++] = m;
  return { succStart, succ };
}

/** Each node's level (longest path from a node without predecessors), into `level`. */
function levels(dag: Dag, level: Int32Array): void {
  const { n, predStart, preds, order } = dag;
  for (let i = 0; i < n; i++) {
    const m = order[i]!;
    let l = 0;
    for (let k = predStart[m]!; k < predStart[m + 1]!; k++) l = Math.max(l, level[preds[k]!]! + 1);
    level[m] = l;
  }
}

/** Each node's height (longest path to a node without successors), into `out`. */
function height(dag: Dag, out: Int32Array): void {
  const { n, predStart, preds, order } = dag;
  out.fill(0);
  for (let i = n - 1; i >= 0; i--) {
    const m = order[i]!;
    for (let k = predStart[m]!; k < predStart[m + 1]!; k++) if (out[preds[k]!]! < out[m]! + 1) out[preds[k]!] = out[m]! + 1;
  }
}

/** Arrays of n numbers for the labels' passes: results in a and b, the depth-first stack in the others. */
interface Work { readonly a: Int32Array; readonly b: Int32Array; readonly stack: Int32Array; readonly next: Int32Array }

/**
 * One depth-first traversal from every node without predecessors (children in list order,
 * or reversed): post-order ranks (into work.a), and per node the least rank of the nodes
 * below it (work.b). A node that reaches another has the other's [low, post] inside its own.
 */
function intervals(n: number, predStart: Int32Array, succStart: Int32Array, succ: Int32Array, reversed: boolean, work: Work): void {
  const { a: post, b: low, stack, next } = work; // next: per node on the stack, children visited so far
  post.fill(-1);
  let rank = 0;
  for (let r = 0; r < n; r++) {
    const root = reversed ? n - 1 - r : r;
    if (predStart[root + 1]! > predStart[root]! || post[root]! >= 0) continue;
    let top = 0;
    stack[0] = root;
    next[root] = 0;
    post[root] = -2; // on the stack
    low[root] = n;
    while (top >= 0) {
      const x = stack[top]!;
      const degree = succStart[x + 1]! - succStart[x]!;
      if (next[x]! < degree) {
        const i = next[x]!++;
        const c = succ[succStart[x]! + (reversed ? degree - 1 - i : i)]!;
        if (post[c] === -1) { post[c] = -2; low[c] = n; next[c] = 0; stack[++top] = c; }
        else if (low[c]! < low[x]!) low[x] = low[c]!; // done already (a DAG has no edge back into the stack)
        continue;
      }
      post[x] = rank;
      if (rank < low[x]!) low[x] = rank;
      rank++;
      top--;
      if (top >= 0 && low[x]! < low[stack[top]!]!) low[stack[top]!] = low[x]!;
    }
  }
}

/** Budget of one search, in nodes entered; past it the query goes to the batched propagation. */
const SEARCH_BUDGET = 4096;

/**
 * For each query i: does a path of one edge or more lead from sources[i] to targets[i]?
 * (A node does not reach itself.) `searchBudget` is for tests of the hand-over.
 */
export function reaches(dag: Dag, sources: ArrayLike<number>, targets: ArrayLike<number>, searchBudget = SEARCH_BUDGET): Uint8Array {
  const q = sources.length;
  const out = new Uint8Array(q);
  if (q === 0 || dag.n === 0) return out;
  const search = new Search(dag, reachIndex(dag), searchBudget);
  const open: number[] = [];
  for (let i = 0; i < q; i++) {
    const answer = search.run(sources[i]!, targets[i]!);
    if (answer < 0) open.push(i); else out[i] = answer;
  }
  if (open.length) {
    const hit = reachesBatched(dag, open.map((i) => sources[i]!), open.map((i) => targets[i]!));
    open.forEach((i, k) => { out[i] = hit[k]!; });
  }
  return out;
}

/** How far back from a search's target, and how many nodes at most, are marked as reaching it. */
const NEAR_DEPTH = 2;
const NEAR_SIZE = 64;

/**
 * Reachability questions answered one at a time, for callers whose next question depends on
 * the answers so far (a search over budget is settled by the batched propagation alone).
 */
export class Reachability {
  private readonly search: Search;
  constructor(private readonly dag: Dag) {
    this.search = new Search(dag, reachIndex(dag), SEARCH_BUDGET);
  }

  /** Does a path of one edge or more lead from s to t? */
  test(s: number, t: number): boolean {
    const answer = this.search.run(s, t);
    return answer < 0 ? reachesBatched(this.dag, [s], [t])[0] === 1 : answer === 1;
  }
}

/** Depth-first searches that only enter nodes whose labels still allow reaching the target. */
class Search {
  private readonly stack: Int32Array;
  private readonly ball = new Int32Array(NEAR_SIZE);
  /** The target whose near nodes are marked (-1: none yet). */
  private target = -1;
  constructor(private readonly dag: Dag, private readonly index: ReachIndex, private readonly budget: number) {
    this.stack = new Int32Array(Math.min(dag.n, budget + 1));
  }

  /** May x reach t, by the labels alone? (Position and level must grow, intervals nest.) */
  private possible(x: number, t: number): boolean {
    const l = this.index.labels;
    const a = x * LABELS;
    const b = t * LABELS;
    return l[a]! < l[b]! && l[a + 1]! < l[b + 1]!
      && l[a + 2]! <= l[b + 2]! && l[a + 3]! >= l[b + 3]!
      && l[a + 4]! <= l[b + 4]! && l[a + 5]! >= l[b + 5]!;
  }

  /**
   * Marks nodes that reach t: its predecessors up to NEAR_DEPTH steps back, at most
   * NEAR_SIZE of them (t's slot chains and the room it waits for). Kept while the questions
   * are about the same t, as consecutive questions of a plan's graph mostly are.
   */
  private markNear(t: number): number {
    if (t === this.target) return this.index.nearStamp;
    this.target = t;
    const { predStart, preds } = this.dag;
    const near = (this.index.near ??= new Int32Array(this.dag.n));
    const mark = ++this.index.nearStamp;
    const ball = this.ball;
    let size = 0;
    let from = 0;
    near[t] = mark;
    ball[size++] = t;
    for (let depth = 0; depth < NEAR_DEPTH && size < NEAR_SIZE; depth++) {
      const to = size;
      for (let i = from; i < to && size < NEAR_SIZE; i++) {
        const x = ball[i]!;
        for (let k = predStart[x]!; k < predStart[x + 1]! && size < NEAR_SIZE; k++) {
          const p = preds[k]!;
          if (near[p] !== mark) { near[p] = mark; ball[size++] = p; }
        }
      }
      from = to;
    }
    return mark;
  }

  /**
   * 1: s reaches t, 0: it does not, -1: the budget ran out. Bidirectional: the search
   * forward from s stops at the first node marked as reaching t (markNear).
   */
  run(s: number, t: number): number {
    if (!this.possible(s, t)) return 0;
    // An edge s -> t (most questions about slot chains and a VM's order) needs no marks.
    const { predStart, preds } = this.dag;
    for (let k = predStart[t]!; k < predStart[t + 1]!; k++) if (preds[k] === s) return 1;
    const mark = this.markNear(t);
    const near = this.index.near!;
    if (near[s] === mark) return 1;
    const { succStart, succ } = this.index;
    const seen = this.index.seen;
    const stamp = ++this.index.stamp;
    let top = 0;
    let entered = 0;
    this.stack[0] = s;
    seen[s] = stamp;
    while (top >= 0) {
      const x = this.stack[top--]!;
      for (let k = succStart[x]!; k < succStart[x + 1]!; k++) {
        const c = succ[k]!;
        if (near[c] === mark) return 1;
        if (seen[c] === stamp) continue;
        seen[c] = stamp;
        if (!this.possible(c, t)) continue;
        if (++entered > this.budget) return -1;
        this.stack[++top] = c;
      }
    }
    return 0;
  }

  /**
   * As run, without marks: the search forward from s stops at t's predecessors only. For
   * questions that are nearly all "no" (a transitive reduction's), where the marks would be
   * made for nothing.
   */
  runUnmarked(s: number, t: number): number {
    if (!this.possible(s, t)) return 0;
    const { predStart, preds } = this.dag;
    const ps = predStart[t]!;
    const pe = predStart[t + 1]!;
    for (let k = ps; k < pe; k++) if (preds[k] === s) return 1;
    const { succStart, succ } = this.index;
    const seen = this.index.seen;
    const stamp = ++this.index.stamp;
    let top = 0;
    let entered = 0;
    this.stack[0] = s;
    seen[s] = stamp;
    while (top >= 0) {
      const x = this.stack[top--]!;
      for (let k = succStart[x]!; k < succStart[x + 1]!; k++) {
        const c = succ[k]!;
        if (seen[c] === stamp) continue;
        seen[c] = stamp;
        // A predecessor of t passes the labels' test: it is looked for only among those that do.
        if (!this.possible(c, t)) continue;
        for (let j = ps; j < pe; j++) if (preds[j] === c) return 1;
        if (++entered > this.budget) return -1;
        this.stack[++top] = c;
      }
    }
    return 0;
  }
}

/**
 * The transitive reduction of a DAG given by predecessor lists (duplicates allowed): an
 * edge p -> m is dropped when p reaches another predecessor of m. Lists come out sorted.
 */
export function transitiveReduction(lists: readonly (readonly number[])[], searchBudget = SEARCH_BUDGET): number[][] {
  return reduceLists(csrOf(lists), searchBudget);
}

/** transitiveReduction of lists in CSR form (duplicates allowed, any order within a list); `searchBudget` is for tests of the hand-over. */
export function reduceLists(lists: PredLists, searchBudget = SEARCH_BUDGET): number[][] {
  const { start, items } = sortedUniqueLists(lists);
  const dag = dagOfCsr(start, items);
  if (!dag) throw new Error('transitiveReduction: the graph has a cycle');
  const redundant = redundantItems(dag, searchBudget);
  const n = start.length - 1;
  const out: number[][] = new Array(n);
  const keep = new Int32Array(longest(start));
  for (let m = 0; m < n; m++) {
    let k = 0;
    for (let a = start[m]!; a < start[m + 1]!; a++) if (!redundant[a]) keep[k++] = items[a]!;
    out[m] = listOf(keep, k);
  }
  return out;
}

/**
 * keep[0 .. k) as an array of its exact length (one grown by push keeps room for 17): short
 * ones, most lists, as literals (allocated at once, without holes).
 */
function listOf(keep: Int32Array, k: number): number[] {
  switch (k) {
    case 0: return [];
    case 1: return [keep[0]!];
    case 2: return [keep[0]!, keep[1]!];
    case 3: return [keep[0]!, keep[1]!, keep[2]!];
    default: {
      const list = new Array<number>(k);
      for (let i = 0; i < k; i++) list[i] = keep[i]!;
      return list;
    }
  }
}

/**
 * Per item of the graph's predecessor lists: 1 when it reaches another item of its list
 * (asked only of items before the other in the topological order, the others cannot; and
 * no more once one is found). Searches over budget are settled together by the batched
 * propagation.
 */
function redundantItems(dag: Dag, searchBudget: number): Uint8Array {
  const { n, predStart, preds } = dag;
  const redundant = new Uint8Array(preds.length);
  const index = reachIndex(dag, true); // the reduction's own graph
  const search = new Search(dag, index, searchBudget);
  const labels = index.labels; // a node's position is its first label: read with the others, in one cache line
  const open: number[] = []; // pairs (item index, other node) whose search ran over budget
  for (let m = 0; m < n; m++) {
    const s = predStart[m]!;
    const e = predStart[m + 1]!;
    if (e - s < 2) continue;
    for (let a = s; a < e; a++) {
      const p = preds[a]!;
      for (let b = s; b < e && !redundant[a]; b++) {
        if (labels[p * LABELS]! >= labels[preds[b]! * LABELS]!) continue;
        const answer = search.runUnmarked(p, preds[b]!);
        if (answer === 1) redundant[a] = 1;
        else if (answer < 0) open.push(a, preds[b]!);
      }
    }
  }
  if (open.length) {
    const q = open.length / 2;
    const hit = reachesBatched(dag, Int32Array.from({ length: q }, (_, i) => preds[open[2 * i]!]!), Int32Array.from({ length: q }, (_, i) => open[2 * i + 1]!));
    for (let i = 0; i < q; i++) if (hit[i]) redundant[open[2 * i]!] = 1;
  }
  return redundant;
}

/** The length of the longest list of CSR offsets `start`. */
function longest(start: Int32Array): number {
  let most = 0;
  for (let m = 0; m + 1 < start.length; m++) most = Math.max(most, start[m + 1]! - start[m]!);
  return most;
}

/** Sorts items[s .. e) ascending in place, by insertion: short lists, and no view per list. */
function sortRange(items: Int32Array, s: number, e: number): void {
  for (let i = s + 1; i < e; i++) {
    const x = items[i]!;
    let j = i - 1;
    for (; j >= s && items[j]! > x; j--) items[j + 1] = items[j]!;
    items[j + 1] = x;
  }
}

/** New CSR lists with the distinct numbers of each list, ascending. */
function sortedUniqueLists(lists: PredLists): PredLists {
  const n = lists.start.length - 1;
  const items = lists.items.slice();
  const start = new Int32Array(n + 1);
  let k = 0;
  for (let m = 0; m < n; m++) {
    const s = lists.start[m]!;
    const e = lists.start[m + 1]!;
    if (e - s > 16) items.subarray(s, e).sort();
    else sortRange(items, s, e);
    const first = k; // k <= s: the list is compacted in place, each number compared with the last kept
    for (let j = s; j < e; j++) if (k === first || items[j] !== items[k - 1]) items[k++] = items[j]!;
    start[m + 1] = k;
  }
  return { start, items: items.subarray(0, k) };
}
