/** shunt report: one self-contained HTML page showing a verified plan. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { common, emit, EXIT, loadOptions, sourceName, warn, type CommonOptions } from '../shared.js';
import { readJson } from '../../io/read.js';
import { writeAtomic } from '../../io/write.js';
import { InputError } from '../../io/errors.js';
import { loadInstance, type Loaded } from '../../api.js';
import type { Plan } from '../../model/plan.js';
import { formatViolation } from '../../verify/replay.js';
import { planReport } from '../../report/plan-report.js';
import { descriptionOf } from './index.js';

export function register(program: Command): void {
  common(program.command('report')
    .description(descriptionOf('report'))
    .argument('<instance>', 'instance JSON file, or - for stdin')
    .argument('<plan>', 'plan JSON file, or - for stdin'))
    .option('--out <file>', 'HTML file to write', 'plan.html')
    .action(async (file: string, planFile: string, o: CommonOptions & { out: string }) => {
      if (file === '-' && planFile === '-') throw new InputError('arguments', [{ path: '', message: 'only one of instance and plan can be read from stdin' }]);
      const loaded = await loadInstance(readJson(file), loadOptions(o, file));
      const planDoc = readJson(planFile);
      loaded.kernel.schemas.assert('plan', planDoc, sourceName(planFile));
      const written = writeReport(loaded, planDoc as Plan, file, o.out, o.json === true);
      process.exitCode = written ? EXIT.ok : EXIT.invalidPlan;
    });
}

/**
 * Writes the report of `plan` to `out`; false, and the violations on stderr, when the plan
 * fails verification. With `json`, says what happened as JSON on stdout.
 */
export function writeReport(loaded: Loaded, plan: Plan, instanceFile: string, out: string, json = false): boolean {
  const result = planReport(loaded, plan, titleOf(instanceFile));
  if (!result.ok) {
    warn([
      `the plan fails verification, no report written (${result.violations.length} violations):`,
      ...result.violations.slice(0, 50).map((v) => `  ${formatViolation(v)}`),
    ].join('\n'));
    if (json) emit(JSON.stringify({ written: null, valid: false, violations: result.violations }, null, 2));
    return false;
  }
  writeAtomic(out, result.html);
  if (json) emit(JSON.stringify({ written: out, valid: true, migrations: plan.waves.reduce((s, w) => s + w.migrations.length, 0), bytes: Buffer.byteLength(result.html) }, null, 2));
  return true;
}

export const titleOf = (file: string) => (file === '-' ? 'stdin' : basename(file));
