/**
 * The fuzzer's own definition of a valid single move, independent of every engine:
 * VM v may migrate from its host a to host b iff the state in which v counts on
 * both a and b passes every active rule's check() (the verifier's "during" state).
 * Rules are monotone, so the state after the move is then valid as well. A host that
 * breaks a rule (an overloaded start) receives no move and may only send until it does not.
 */
import type { Problem } from '../../src/plugin-api.js';
import type { PlacementState } from '../../src/model/state.js';

export function moveIsValid(problem: Problem, state: PlacementState, vm: number, to: number): boolean {
  const from = state.hostOf(vm);
  if (from === to) return false;
  // Overloaded starts: a host that breaks a rule receives nothing; one that sends may keep
  // breaking rules (only violations it had already: nothing arrives on it).
  const broken = (h: number) => problem.rules.some((rule) => rule.check(state, [h]).length > 0);
  if (broken(to)) return false;
  const sender = broken(from) ? state.model.hosts[from]!.name : undefined;
  state.beginMove(vm, to);
  const hosts = [from, to];
  let ok = true;
  for (const rule of problem.rules) {
    if (rule.check(state, hosts).some((v) => sender === undefined || v.host !== sender)) { ok = false; break; }
  }
  state.cancelMove(vm);
  return ok;
}

/** Moves settled VMs so that the state equals the placement (outside any wave). */
export function moveTo(state: PlacementState, placement: ArrayLike<number>): void {
  for (let v = 0; v < placement.length; v++) {
    if (state.hostOf(v) !== placement[v]) state.relocate(v, placement[v]!);
  }
}
