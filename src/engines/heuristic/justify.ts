/**
 * Forward-backward justification of a valid plan (very full clouds): re-times its
 * migrations, adding none and changing none, so that the plan needs fewer waves.
 *
 * The greedy starts whatever fits as soon as it fits, and in a cloud filled to 95-98 %
 * that leaves the free room spread in holes too small for the VMs still waiting: a
 * long tail of waves with a handful of migrations each. Justification, a classic of
 * resource-constrained scheduling, alternates two compactions (plan/compact.ts): the
 * plan played backwards (from the target to the start; the state during a wave is the
 * same in both directions, since a migrating VM counts on both hosts) moves every
 * migration to its latest wave, then the plan played forwards moves every migration to
 * its earliest. Each pass keeps the plan valid and never adds a wave; each one packs the
 * migrations against the other end, and the empty waves left between them are dropped.
 *
 * Compaction keeps one state per wave: a plan longer than `maxCells` allows is
 * justified a window of waves at a time (windows overlap by half), each window between
 * the fixed states before and after it. The engine replays the result before keeping it.
 */
import type { Problem } from '../../plugin-api.js';
import type { Move } from '../../plan/moves.js';
import { compactWaves } from '../../plan/compact.js';

export interface JustifyOptions {
  /** Time (by `now`) after which the plan found so far is returned. */
  deadline: number;
  now?: () => number;
  /** Largest waves x VMs one compaction may hold (one state per wave). */
  maxCells: number;
  /** Rounds in a row without fewer waves before it stops (default 2). */
  patience?: number;
}

export function justifyWaves(problem: Problem, waves: readonly Move[][], options: JustifyOptions): Move[][] {
  const now = options.now ?? Date.now;
  const span = Math.max(2, Math.floor(options.maxCells / Math.max(1, problem.model.vms.length)));
  let best = waves.map((w) => w.slice());
  let current = best;
  let stale = 0;
  while (stale < (options.patience ?? 2) && now() < options.deadline) {
    current = justifyRound(problem, current, span, options.deadline, now);
    if (current.length < best.length) { best = current; stale = 0; } else stale++;
  }
  return best;
}

/** One backward and one forward compaction over every window of the plan. */
function justifyRound(problem: Problem, waves: Move[][], span: number, deadline: number, now: () => number): Move[][] {
  const plan = waves.slice();
  const placement = Int32Array.from(problem.model.placement);
  let i = 0;
  while (i < plan.length && now() < deadline) {
    const window = plan.slice(i, i + span);
    const start = Int32Array.from(placement);
    const end = played(start, window);
    const limits = { deadline, now, maxCells: Infinity };
    const latest = reversed(compactWaves(problem, reversed(window), { ...limits, start: end, passes: 1 }));
    const earliest = compactWaves(problem, latest, { ...limits, start, passes: 1 });
    plan.splice(i, window.length, ...earliest);
    if (i + earliest.length >= plan.length) break;
    // The next window starts halfway into this one, so that migrations can cross its end.
    const step = Math.max(1, Math.floor(earliest.length / 2));
    for (const w of earliest.slice(0, step)) for (const m of w) placement[m.vm] = m.to;
    i += step;
  }
  return plan;
}

/** The plan played backwards: from its end to its start, each migration the other way. */
function reversed(waves: readonly Move[][]): Move[][] {
  return waves.slice().reverse().map((w) => w.map((m) => ({ ...m, from: m.to, to: m.from })));
}

/** The placement after the waves, from `start`. */
function played(start: Int32Array, waves: readonly Move[][]): Int32Array {
  const placement = Int32Array.from(start);
  for (const w of waves) for (const m of w) placement[m.vm] = m.to;
  return placement;
}
