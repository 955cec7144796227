/**
 * Exhaustive search part by part: each independent part (src/plan/decompose.ts) that
 * the greedy left unsolved, or solved at a cost above its bound, is searched on its own
 * hosts and VMs when it is small enough; the parts' plans are merged wave by wave.
 */
import type { Problem } from '../../plugin-api.js';
import type { Move } from '../../plan/moves.js';
import { toWaveDocs, movesCost } from '../../plan/moves.js';
import { drainedHosts, type Part } from '../../plan/decompose.js';
import type { GreedyResult } from './greedy.js';
import { searchSequence } from './search.js';
import { compressSequence } from './compress.js';
import { verifyPlan } from '../../verify/replay.js';

export interface PartOptions {
  greedy: GreedyResult;
  improve: boolean;
  /** Parts with more VMs that can move are not searched. */
  maxVms: number;
  /** Placements all searches together may store. */
  maxStates: number;
  deadline: number;
  now: () => number;
}

export interface PartOutcome {
  /** A complete plan merged from the parts, when some part's plan came from a search and every part has one. */
  waves?: Move[][];
  /** Every part's plan is proven cheapest (so the merged plan is). */
  proven: boolean;
  /** Sum over the parts of a proven lower bound on each part's cost. */
  lowerBound: number;
  states: number;
  /** Hosts of a part proven to have no plan. */
  infeasible?: number[];
  timedOut: boolean;
  /** Parts that needed a search but have too many VMs for one. */
  tooLarge: number;
}

export function improveParts(problem: Problem, parts: Part[], options: PartOptions): PartOutcome {
  const { model, cost } = problem;
  const minCost = (v: number) => cost.minCost?.(v) ?? cost.cost(v, model.placement[v]!, model.target[v]!);
  const out: PartOutcome = { proven: parts.length > 0, lowerBound: 0, states: 0, timedOut: false, tooLarge: 0 };
  const plans: Move[][][] = [];
  const drained = drainedHosts(model);
  let searched = false;
  let complete = true;
  for (const part of parts) {
    const own = greedyShare(model.target, options.greedy, part);
    const base = part.misplaced.reduce((s, v) => s + minCost(v), 0);
    const ownCost = own ? movesCost(cost, own) : Infinity;
    if (own && ownCost <= base + 1e-9 * Math.max(1, base)) { plans.push(own); out.lowerBound += ownCost; continue; }
    const wanted = !own || options.improve;
    const affordable = isAffordable(part, options, out.states);
    if (!wanted || !affordable) {
      if (wanted) noteWhyUnsearched(out, part, options);
      out.proven = false;
      out.lowerBound += base;
      if (own) plans.push(own); else complete = false;
      continue;
    }
    const search = (cutoff: number | undefined, goalOnly?: Uint8Array) => {
      const r = searchSequence(problem, {
        vms: part.movable, hosts: part.hosts, maxStates: options.maxStates - out.states, deadline: options.deadline, now: options.now,
        ...(cutoff !== undefined ? { cutoff } : {}), ...(goalOnly ? { goalOnly } : {}),
      });
      out.states += r.states;
      return r;
    };
    let found = search(own ? ownCost : undefined);
    if (found.outcome === 'found' && found.moves!.some((m) => drained[m.to] && m.to !== model.target[m.vm])) {
      // As cheap without parking on a host being drained? Then that plan.
      const polite = search(found.cost!, drained);
      if (polite.outcome === 'found') found = polite;
    }
    if (found.outcome === 'found') {
      const waves = compressSequence(problem, found.moves!);
      const better = beatsGreedy(waves, found.cost!, own, ownCost);
      plans.push(better ? waves : own!);
      searched ||= better;
      out.lowerBound += found.cost!;
    } else if (found.outcome === 'exhausted') {
      if (!own) return { ...out, infeasible: part.hosts, proven: false };
      plans.push(own); // nothing cheaper exists
      out.lowerBound += ownCost;
    } else {
      out.timedOut ||= found.outcome === 'time';
      out.proven = false;
      out.lowerBound += Math.max(base, Math.min(found.lowerBound, ownCost));
      if (own) plans.push(own); else complete = false;
    }
  }
  if (!complete || !searched) return out;
  const waves = mergeWaves(plans, model.maxPerWave);
  // Parts never share a host, so the merge is valid; checked all the same, never trusted blindly.
  return verifyPlan(problem, toWaveDocs(model, waves)).valid ? { ...out, waves } : { ...out, proven: false };
}

/** A part may be searched when it is small enough, states are left and the deadline has not passed. */
function isAffordable(part: Part, options: PartOptions, states: number): boolean {
  return part.movable.length <= options.maxVms && states < options.maxStates && options.now() <= options.deadline;
}

/** A part that needed a search but had none: too large, or out of time. */
function noteWhyUnsearched(out: PartOutcome, part: Part, options: PartOptions): void {
  if (part.movable.length > options.maxVms) out.tooLarge++;
  if (options.now() > options.deadline) out.timedOut = true;
}

/** The searched plan replaces the greedy's share when there is none, or it is cheaper, or it has fewer waves. */
function beatsGreedy(waves: Move[][], cost: number, own: Move[][] | undefined, ownCost: number): boolean {
  return !own || cost < ownCost - 1e-9 || waves.length < own.length;
}

/** The greedy's migrations of the part's VMs, when it brought all of them to their targets. */
function greedyShare(target: Int32Array, greedy: GreedyResult, part: Part): Move[][] | undefined {
  const mine = new Set([...part.movable, ...part.misplaced]);
  for (const v of mine) if (greedy.finalPlacement[v] !== target[v]) return undefined;
  return greedy.waves.map((w) => w.filter((m) => mine.has(m.vm))).filter((w) => w.length > 0);
}

/** Wave k of the merge runs wave k of every part; a wave over maxPerWave is split (a split wave stays valid). */
export function mergeWaves(plans: readonly Move[][][], maxPerWave: number): Move[][] {
  const length = plans.reduce((n, p) => Math.max(n, p.length), 0);
  const merged: Move[][] = [];
  for (let k = 0; k < length; k++) {
    const wave = plans.flatMap((p) => p[k] ?? []);
    const size = Number.isFinite(maxPerWave) ? Math.max(1, maxPerWave) : Math.max(1, wave.length);
    for (let i = 0; i < wave.length; i += size) merged.push(wave.slice(i, i + size));
  }
  return merged;
}
