/** shunt report: one self-contained HTML page showing a verified plan. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { common, EXIT, loadOptions, sourceName, type CommonOptions } from '../shared.js';
import { readJson } from '../../io/read.js';
import { writeAtomic } from '../../io/write.js';
import { InputError } from '../../io/errors.js';
import { loadInstance, type Loaded } from '../../api.js';
import type { Plan } from '../../model/plan.js';
import { formatViolation } from '../../verify/replay.js';
import { planReport } from '../../report/plan-report.js';

export function register(program: Command): void {
  common(program.command('report')
    .description('write one self-contained HTML page (opens offline) showing a plan: verdict, timeline of the dependency schedule, utilisation heat map; the plan is replayed by the verifier first, and refused (exit 1) if it fails')
    .argument('<instance>', 'instance JSON file, or - for stdin')
    .argument('<plan>', 'plan JSON file, or - for stdin'))
    .option('--out <file>', 'HTML file to write', 'plan.html')
    .action(async (file: string, planFile: string, o: CommonOptions & { out: string }) => {
      if (file === '-' && planFile === '-') throw new InputError('arguments', [{ path: '', message: 'only one of instance and plan can be read from stdin' }]);
      const loaded = await loadInstance(readJson(file), loadOptions(o, file));
      const planDoc = readJson(planFile);
      loaded.kernel.schemas.assert('plan', planDoc, sourceName(planFile));
      process.exitCode = writeReport(loaded, planDoc as Plan, file, o.out) ? EXIT.ok : EXIT.invalidPlan;
    });
}

/** Writes the report of `plan` to `out`; false (and the violations on stderr) when the plan fails verification. */
export function writeReport(loaded: Loaded, plan: Plan, instanceFile: string, out: string): boolean {
  const result = planReport(loaded, plan, titleOf(instanceFile));
  if (!result.ok) {
    process.stderr.write(`shunt: the plan fails verification, no report written (${result.violations.length} violations):\n`);
    for (const v of result.violations.slice(0, 50)) process.stderr.write(`  ${formatViolation(v)}\n`);
    return false;
  }
  writeAtomic(out, result.html);
  return true;
}

export const titleOf = (file: string) => (file === '-' ? 'stdin' : basename(file));
