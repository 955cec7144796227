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
 * Re-timing (retime.ts) keeps each wave's host loads and slots: a plan whose waves x hosts x
 * resources exceed `maxCells` is returned as it is. The engine replays the result before keeping it.
 */
import type { Problem } from '../../plugin-api.js';
import type { Move } from '../../plan/moves.js';
import { retimeEarliest } from './retime.js';

export interface JustifyOptions {
  /** Time (by `now`) after which the plan found so far is returned. */
  deadline: number;
  now?: () => number;
  /** Largest waves x hosts x resources the re-timing may hold (loads per wave). */
  maxCells: number;
  /** Rounds in a row without fewer waves before it stops (default 20: the shape keeps changing, and fewer waves often follow). */
  patience?: number;
  /** A proven lower bound on the waves: reaching it ends the rounds. */
  floor?: number;
}

export function justifyWaves(problem: Problem, waves: readonly Move[][], options: JustifyOptions): Move[][] {
  const now = options.now ?? Date.now;
  const { model } = problem;
  let best = waves.map((w) => w.slice());
  if (waves.length * model.hosts.length * model.resources.length > options.maxCells) return best;
  const start = model.placement;
  const end = played(start, waves);
  let current = best;
  let stale = 0;
  while (stale < (options.patience ?? 20) && best.length > (options.floor ?? 0) && now() < options.deadline) {
    // Backwards from the end (every migration to its latest wave), then forwards again.
    const latest = reversed(retimeEarliest(problem, reversed(current), end, options.deadline, now));
    current = retimeEarliest(problem, latest, start, options.deadline, now);
    if (current.length < best.length) { best = current; stale = 0; } else stale++;
  }
  return best;
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
