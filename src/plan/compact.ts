/**
 * Wave compaction: moves every migration of a valid plan to the earliest wave its
 * dependencies and the limits allow, keeping the plan valid at every step.
 *
 * It keeps the state during every wave. A migration of VM v from wave i may go to an
 * earlier wave j when v does not move in between, wave j has a free slot (source,
 * destination, per wave), and every rule admits v on its destination during waves
 * j..i-1 (where v now already is). Leaving its source earlier only frees room, and the
 * rules are monotone, so every other migration stays valid. Empty waves are dropped.
 * Cost and moves are unchanged; the number of waves never grows.
 */
import type { Problem } from '../plugin-api.js';
import type { Move } from './moves.js';
import { PlacementState, type StateView } from '../model/state.js';
import { breaksRule, overloadedAtStart } from '../verify/overload.js';

export interface CompactOptions {
  deadline?: number;
  now?: () => number;
  /** Start placement (default: the instance's). */
  start?: Int32Array;
  /** Largest waves × VMs kept in memory (one state per wave); beyond it the plan is returned as it is. */
  maxCells?: number;
  /** Passes over the plan (each may let migrations freed by the last one move up). */
  passes?: number;
}

export function compactWaves(problem: Problem, waves: readonly Move[][], options: CompactOptions = {}): Move[][] {
  const { model } = problem;
  const now = options.now ?? Date.now;
  const deadline = options.deadline ?? Infinity;
  if (waves.length < 2 || waves.length * model.vms.length > (options.maxCells ?? 8_000_000)) return waves.map((w) => w.slice());
  const out = waves.map((w) => w.slice());
  const states = duringStates(problem, out, options.start ?? model.placement);
  const movedIn = moveWaves(out);
  for (let pass = 0; pass < (options.passes ?? 2); pass++) {
    let changed = false;
    for (let i = 1; i < out.length; i++) {
      if (now() > deadline) return withoutEmpty(out);
      const keep: Move[] = [];
      for (const m of out[i]!) {
        const j = earliestWave(problem, states, movedIn, m, i);
        if (j === i) { keep.push(m); continue; }
        shift(states, m, j, i);
        out[j]!.push(m);
        movedIn.set(m.vm, replaceWave(movedIn.get(m.vm)!, i, j));
        changed = true;
      }
      out[i] = keep;
    }
    if (!changed) break;
  }
  return withoutEmpty(out);
}

/** The state during each wave: settled VMs plus that wave's migrations in flight. */
function duringStates(problem: Problem, waves: readonly Move[][], start: Int32Array): PlacementState[] {
  const placement = Int32Array.from(start);
  return waves.map((w) => {
    const s = new PlacementState(problem.model, problem.usable, placement);
    for (const m of w) { s.beginMove(m.vm, m.to); placement[m.vm] = m.to; }
    return s;
  });
}

/** Per VM, the waves it migrates in (ascending). */
function moveWaves(waves: readonly Move[][]): Map<number, number[]> {
  const map = new Map<number, number[]>();
  waves.forEach((w, i) => { for (const m of w) { const l = map.get(m.vm); if (l) l.push(i); else map.set(m.vm, [i]); } });
  return map;
}

function replaceWave(list: number[], from: number, to: number): number[] {
  return list.map((x) => (x === from ? to : x)).sort((a, b) => a - b);
}

/** The earliest wave the migration (now in wave i) can run in. */
function earliestWave(problem: Problem, states: PlacementState[], movedIn: Map<number, number[]>, m: Move, i: number): number {
  if (problem.model.hosts[m.to]!.disabled) return i;
  const previous = (movedIn.get(m.vm) ?? []).filter((w) => w < i);
  const floor = previous.length ? previous[previous.length - 1]! + 1 : 0;
  let best = i;
  for (let k = i - 1; k >= floor; k--) {
    const s = states[k]!;
    const fit = waveFit(problem, s, m, s.outgoingOf(m.from), s.incomingOf(m.to), s.inFlight.length);
    if (fit === 'blocked') break;
    if (fit === 'fits') best = k;
  }
  return best;
}

/**
 * Compaction's rule for an earlier wave (shared with engines/heuristic/retime.ts), given the
 * state during it and its slot counts: `blocked` when a rule refuses the VM on its destination
 * then, or the destination still breaks a rule it broke at the start (no earlier wave can do
 * better: the VM would be there during this one too); else `fits` when the wave has a slot at
 * the source, at the destination and below maxPerWave, `full` when not.
 */
export function waveFit(problem: Problem, s: StateView, m: Move, outgoing: number, incoming: number, flying: number): 'blocked' | 'fits' | 'full' {
  const { model, rules } = problem;
  for (const r of rules) if (!r.admits(s, m.vm, m.to)) return 'blocked';
  if (overloadedAtStart(problem)[m.to] && breaksRule(rules, s, m.to)) return 'blocked';
  return outgoing < model.hosts[m.from]!.maxOutgoing && incoming < model.hosts[m.to]!.maxIncoming && flying < model.maxPerWave ? 'fits' : 'full';
}

/** Updates the wave states for a migration moved from wave i to wave j. */
function shift(states: PlacementState[], m: Move, j: number, i: number): void {
  states[j]!.beginMove(m.vm, m.to);
  for (let k = j + 1; k < i; k++) states[k]!.relocate(m.vm, m.to);
  states[i]!.cancelMove(m.vm);
  states[i]!.relocate(m.vm, m.to);
}

function withoutEmpty(waves: Move[][]): Move[][] {
  return waves.filter((w) => w.length > 0);
}
