/**
 * The order the greedy visits its pending VMs in: descending by each key in turn, then ascending
 * by VM index. That is what sorting with the comparator
 * `(a, b) => keys[0][b] - keys[0][a] || keys[1][b] - keys[1][a] || ... || a - b` gives, a total
 * order, so any exact sort agrees with it. The keys have few distinct values (chain depths, 0/1
 * flags, ratios of small counts), so a counting sort over them replaces n log n comparator calls.
 */

/** Most distinct values of one key, and of all keys together, the counting sort takes on. */
const MAX_VALUES = 4096;
const MAX_GROUPS = 1 << 22;

/**
 * The items (VM indices) in that order, or undefined when a key has too many distinct values
 * or a NaN (the caller sorts with its comparator then).
 */
export function orderByKeys(items: readonly number[], keys: readonly ArrayLike<number>[]): number[] | undefined {
  // Ascending VMs first: a stable counting sort then keeps them ascending within equal keys.
  const sorted = Int32Array.from(items).sort();
  const n = sorted.length;
  const group = new Int32Array(n);
  let groups = 1;
  for (const key of keys) {
    const rank = descendingRanks(sorted, key);
    if (!rank || groups * rank.values > MAX_GROUPS) return undefined;
    for (let i = 0; i < n; i++) group[i] = group[i]! * rank.values + rank.of[i]!;
    groups *= rank.values;
  }
  const start = new Int32Array(groups + 1);
  for (let i = 0; i < n; i++) start[group[i]! + 1]!++;
  for (let g = 0; g < groups; g++) start[g + 1]! += start[g]!;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[start[group[i]!]!++] = sorted[i]!;
  return out;
}

/** Per item, the rank of its key among the key's distinct values, largest first (0 or -0, as the comparator, are one value). */
function descendingRanks(items: Int32Array, key: ArrayLike<number>): { of: Int32Array; values: number } | undefined {
  const id = new Map<number, number>();
  const of = new Int32Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const x = key[items[i]!]!;
    let c = id.get(x);
    if (c === undefined) {
      if (Number.isNaN(x) || id.size >= MAX_VALUES) return undefined;
      c = id.size;
      id.set(x, c);
    }
    of[i] = c;
  }
  const rank = new Int32Array(id.size);
  [...id.keys()].sort((a, b) => b - a).forEach((x, r) => { rank[id.get(x)!] = r; });
  for (let i = 0; i < of.length; i++) of[i] = rank[of[i]!]!;
  return { of, values: id.size };
}
