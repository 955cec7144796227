/**
 * Groups a valid one-at-a-time sequence of migrations into parallel waves. A
 * migration joins the current wave only if it fits with everything already in
 * flight and the rest of the sequence still runs afterwards, so the result stays
 * valid while it gets shorter.
 */
import type { Problem } from '../../plugin-api.js';
import type { Move } from '../../plan/moves.js';
import { Mover } from './mover.js';

export function compressSequence(problem: Problem, sequence: Move[], start: Int32Array = problem.model.placement): Move[][] {
  const waves: Move[][] = [];
  let placement: Int32Array = Int32Array.from(start);
  let rest = sequence.slice();
  while (rest.length > 0) {
    const mover = new Mover(problem, placement);
    const wave: Move[] = [];
    const held = new Set<number>(); // VMs with an earlier migration still waiting
    const left: Move[] = [];
    for (let i = 0; i < rest.length; i++) {
      const m = rest[i]!;
      if (held.has(m.vm) || !mover.tryMove(m.vm, m.to)) { held.add(m.vm); left.push(m); continue; }
      // Keep it only if the migrations still waiting can run after this wave.
      if (wave.length > 0 && !runsAfter(problem, mover, [...left, ...rest.slice(i + 1)])) {
        mover.state.cancelMove(m.vm);
        held.add(m.vm);
        left.push(m);
        continue;
      }
      wave.push(m);
    }
    if (wave.length === 0) throw new Error('compressSequence: the sequence is not valid');
    mover.state.finishWave();
    placement = mover.state.snapshot();
    waves.push(wave);
    rest = left;
  }
  return waves;
}

/** Would `moves` run one at a time once the current wave has finished? */
function runsAfter(problem: Problem, mover: Mover, moves: Move[]): boolean {
  const after = Int32Array.from(mover.state.snapshot());
  for (const v of mover.state.inFlight) after[v] = mover.state.destinationOf(v);
  const sim = new Mover(problem, after);
  for (const m of moves) {
    if (!sim.tryMove(m.vm, m.to)) return false;
    sim.state.finishWave();
  }
  return true;
}
