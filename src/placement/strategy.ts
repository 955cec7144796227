/** What the built-in placement strategies share: their error, their notes, the final check. */
import type { PlacementStrategy, Problem, Violation } from '../plugin-api.js';
import { PlacementState } from '../model/state.js';

/** The strategy found no target that satisfies the rules (the CLI exits 4). */
export class NoTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoTargetError';
  }
}

/** A strategy that says what it did on its last run (variant used, fallbacks, hosts freed). */
export interface ReportingStrategy extends PlacementStrategy {
  readonly notes?: readonly string[];
}

export function notesOf(strategy: PlacementStrategy | undefined): string[] {
  return [...((strategy as ReportingStrategy | undefined)?.notes ?? [])];
}

/**
 * The last line of defence of every built-in strategy: the target passes every
 * rule's check, or the strategy fails (it never hands out an invalid target).
 */
export function checkedTarget(problem: Problem, target: Int32Array, strategy: string): Int32Array {
  const broken = targetViolation(problem, target);
  if (broken) throw new NoTargetError(`${strategy}: its target would break rule ${broken.rule}: ${broken.message}`);
  return target;
}

/** The first violation of any active rule in the target placement, or undefined when it keeps them all. */
export function targetViolation(problem: Problem, target: Int32Array): Violation | undefined {
  const state = new PlacementState(problem.model, problem.usable, target);
  for (const rule of problem.rules) {
    const broken = rule.check(state);
    if (broken.length) return { ...broken[0]!, rule: rule.name };
  }
  return undefined;
}
