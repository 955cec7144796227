/**
 * Plans under a rule that is not monotone (its manifest says `monotone: false`): adding a VM
 * can repair one of its violations, so a wave's in-flight state is no longer its worst moment
 * and a parallel wave may break the rule in an order nobody checked. Such plans run one
 * migration at a time, in the declared order; this replays them step by step.
 */
import type { Problem, SanityRule, Violation } from '../plugin-api.js';
import type { Wave } from '../model/plan.js';
import { PlacementState } from '../model/state.js';
import { applyStep, isStepError } from './actions.js';

export const nonMonotoneRules = (problem: Problem): SanityRule[] => problem.rules.filter((r) => r.monotone === false);

/** One wave per migration, in the plan's order. */
export function oneAtATime(waves: readonly Wave[]): Wave[] {
  return waves.flatMap((w) => w.migrations.map((m) => ({ migrations: [m] })));
}

/**
 * The violations of non-monotone rules when the plan runs one migration at a time in its
 * order (each migration in flight, then settled), and every wave holding more than one
 * migration (its order would be left to chance). Names the replay verifier has already
 * reported as unknown or misplaced are skipped.
 */
export function orderedViolations(problem: Problem, waves: readonly Wave[]): Violation[] {
  const rules = nonMonotoneRules(problem);
  if (!rules.length) return [];
  const { model } = problem;
  const names = rules.map((r) => r.name).join(', ');
  const violations: Violation[] = [];
  waves.forEach((w, i) => {
    if (w.migrations.length > 1) {
      violations.push({ rule: 'plan', wave: i + 1, phase: 'during', message: `wave ${i + 1}: ${w.migrations.length} migrations at once, but rule ${names} is not monotone: its migrations must run one at a time` });
    }
  });
  const state = new PlacementState(model, problem.usable);
  let step = 0;
  waves.forEach((w, i) => {
    for (const m of w.migrations) {
      step++;
      // Steps the replay verifier refused are skipped (it has reported them).
      const applied = applyStep(problem, state, m);
      if (isStepError(applied)) continue;
      const hosts = [applied.from, applied.to].filter((h) => h >= 0);
      for (const phase of ['during', 'after'] as const) {
        if (phase === 'after') state.finishWave();
        for (const rule of rules) {
          for (const x of rule.check(state, hosts)) {
            violations.push({ ...x, wave: i + 1, phase, message: `step ${step} (${m.vm} ${m.from} -> ${m.to}, one migration at a time): ${x.message}` });
          }
        }
      }
    }
  });
  return violations;
}
