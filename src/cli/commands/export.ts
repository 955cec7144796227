import { Command } from 'commander';
import { EXIT, emit, loadOptions, sourceName } from '../shared.js';
import { readJson } from '../../io/read.js';
import { InputError } from '../../io/errors.js';
import type { InstanceDoc } from '../../model/instance.js';
import type { Plan } from '../../model/plan.js';
import type { BtrPlaceInstance } from '../../interop/btrplace-format.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  const cmd = program.command('export')
    .description('convert a shunt plan into another planner\'s format');

  cmd.command('btrplace')
    .description('write a verified plan as a BtrPlace reconfiguration plan (origin model, migrateVM actions with start/end in seconds)')
    .argument('<instance>', 'the shunt instance the plan is for, or the BtrPlace instance it was imported from (its model becomes the origin)')
    .argument('<plan>', 'shunt plan JSON file, or - for stdin')
    .option('--out <file>', 'write the BtrPlace plan JSON to FILE (atomically) instead of stdout')
    .option('--policy <file>', 'policy JSON to verify the plan with; overrides the instance\'s policy key by key')
    .option('--plugins <dir>', 'load user plugins from DIR; repeatable', collect)
    .action(async (file: string, planFile: string, o: { out?: string; policy?: string; plugins?: string[] }) => {
      const { formatViolation, verifyPlan } = await import('../../verify/replay.js');
      const { looksLikeBtrPlace } = await import('../../interop/btrplace-format.js');
      const { loadInstance } = await import('../../api.js');
      const { importBtrPlace } = await import('../../interop/btrplace-import.js');
      const { exportBtrPlace } = await import('../../interop/btrplace-export.js');
      if (file === '-' && planFile === '-') throw new InputError('arguments', [{ path: '', message: 'only one of instance and plan can be read from stdin' }]);
      const source = sourceName(file);
      const planSource = sourceName(planFile);
      const raw = readJson(file);
      let doc: InstanceDoc;
      let origin: BtrPlaceInstance['model'] | undefined;
      if (looksLikeBtrPlace(raw)) {
        // BtrPlace has no per-host migration cap: check the plan without one.
        doc = importBtrPlace(raw, { concurrency: 'unlimited', source }).instance;
        origin = (raw as BtrPlaceInstance).model;
      } else {
        doc = raw as InstanceDoc;
      }
      const loaded = await loadInstance(doc, loadOptions(o, file));
      const planDoc = readJson(planFile);
      loaded.kernel.schemas.assert('plan', planDoc, planSource);
      const plan = planDoc as Plan;
      if (plan.status === 'infeasible' || plan.status === 'unknown') {
        throw new InputError(planSource, [{ path: '/status', message: `the plan's status is ${plan.status}: there is no plan to export` }]);
      }
      const check = verifyPlan(loaded.problem, plan.waves);
      if (!check.valid) {
        process.stderr.write(`shunt: ${planSource}: the plan fails verification against ${source}; nothing exported\n`);
        for (const v of check.violations.slice(0, 20)) process.stderr.write(`  ${formatViolation(v)}\n`);
        process.exitCode = EXIT.invalidPlan;
        return;
      }
      const { plan: out, warnings } = exportBtrPlace(doc, plan, { origin });
      for (const w of warnings) process.stderr.write(`shunt: warning: ${w}\n`);
      emit(JSON.stringify(out, null, 2), o.out);
    });
}
