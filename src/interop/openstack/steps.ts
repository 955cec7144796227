/** A verified plan's migrations as numbered steps with the steps each waits for. */
import { createHash } from 'node:crypto';
import { actionOf, type MigrationAction, type Plan } from '../../model/plan.js';
import { InputError } from '../../io/errors.js';

export interface Step {
  /** 0-based, the plan's flat numbering (wave after wave). */
  index: number;
  wave: number;
  vm: string;
  /** null: an unshelve. */
  from: string | null;
  /** null: a shelve. */
  to: string | null;
  /** live (default), cold, shelve or unshelve (plan v2). */
  action: MigrationAction;
  /** Steps that must be done before this one starts. */
  after: number[];
}

/**
 * The plan's own dependencies (`after`, present on verified plans); without them, every
 * migration of the previous wave (the wave-by-wave order, always safe).
 */
export function planSteps(plan: Plan, source = 'plan'): Step[] {
  const steps: Step[] = [];
  const withAfter = plan.waves.every((w) => w.migrations.every((m) => Array.isArray(m.after)));
  let previous: number[] = [];
  plan.waves.forEach((wave, w) => {
    const current: number[] = [];
    for (const m of wave.migrations) {
      const index = steps.length;
      steps.push({ index, wave: w, vm: m.vm, from: m.from, to: m.to, action: actionOf(m), after: withAfter ? [...m.after!] : previous });
      current.push(index);
    }
    previous = current;
  });
  for (const s of steps) {
    const bad = s.after.find((d) => !Number.isInteger(d) || d < 0 || steps[d]!.wave >= s.wave);
    if (bad !== undefined) {
      const i = s.index - steps.findIndex((t) => t.wave === s.wave);
      throw new InputError(source, [{ path: `/waves/${s.wave}/migrations/${i}/after`, message: `migration ${s.index} waits for ${bad}, which is not a migration of an earlier wave` }]);
    }
  }
  return steps;
}

/** Identifies the sequence of migrations, so that a runbook's state file is never used for another plan. */
export function planFingerprint(steps: readonly Step[]): string {
  const h = createHash('sha256');
  for (const s of steps) h.update(`${s.vm} ${s.from} ${s.to}${s.action === 'live' ? '' : ` ${s.action}`} ${s.after.join(',')}\n`);
  return h.digest('hex').slice(0, 16);
}

/** The most migrations the plan ever runs at once (its largest wave). */
export const largestWave = (plan: Plan) => Math.max(1, ...plan.waves.map((w) => w.migrations.length));
