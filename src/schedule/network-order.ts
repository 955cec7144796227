/**
 * Makes a plan follow its network-aware schedule (network-schedule.ts):
 * - inside each wave, migrations are renumbered in the order the schedule starts them, so
 *   every edge of the dependency graph and every start decision points forward in the flat
 *   numbering (a start decision across waves, a migration waiting for one of a later wave,
 *   cannot, and is dropped: the migration then starts as soon as its own dependencies allow);
 * - with `recut`, each wave is cut into consecutive sub-waves, a new one whenever a migration waits for
 *   one of the current sub-wave. Splitting a wave is always safe for monotone rules (a
 *   sub-wave's in-flight state is a subset of the wave's); attach.ts still has the replay
 *   verifier and the graph check run on the result.
 * The waves stay a safe, coarser presentation of the schedule.
 */
import type { Wave } from '../model/plan.js';
import type { FlatPlan } from './dependencies.js';

export interface Reordered {
  waves: Wave[];
  /** The extended graph in the new numbering. */
  after: number[][];
  /** Start decisions dropped because they pointed to a later wave. */
  dropped: number;
  /** New flat number of each old one. */
  index: Int32Array;
}

/** Undefined when a dependency would point backwards (a migration starting before one it waits for). */
export function orderBySchedule(
  waves: readonly Wave[], flat: FlatPlan, deps: readonly (readonly number[])[], after: readonly (readonly number[])[], start: Float64Array,
  recut: boolean,
): Reordered | undefined {
  const { n, waveStart } = flat;
  const order: number[] = [];
  for (let w = 0; w + 1 < waveStart.length; w++) {
    const ids = Array.from({ length: waveStart[w + 1]! - waveStart[w]! }, (_, k) => waveStart[w]! + k);
    ids.sort((a, b) => start[a]! - start[b]! || a - b);
    order.push(...ids);
  }
  const index = new Int32Array(n);
  order.forEach((m, i) => { index[m] = i; });
  const lists: number[][] = [];
  let dropped = 0;
  for (const m of order) {
    const mine = new Set(deps[m]!);
    const list: number[] = [];
    for (const p of new Set(after[m]!)) {
      if (index[p]! < index[m]!) list.push(index[p]!);
      else if (mine.has(p)) return undefined;
      else dropped++;
    }
    lists.push(list);
  }
  const docs = waves.flatMap((w) => w.migrations);
  const out: Wave[] = [];
  for (let w = 0; w + 1 < waveStart.length; w++) {
    let current: Wave | undefined;
    let first = 0;
    for (let i = waveStart[w]!; i < waveStart[w + 1]!; i++) {
      if (!current || (recut && lists[i]!.some((p) => p >= first))) { current = { migrations: [] }; out.push(current); first = i; }
      current.migrations.push(docs[order[i]!]!);
    }
  }
  return { waves: out, after: lists, dropped, index };
}
