import { Command } from 'commander';
import { EXIT, emit, fail, loadOptions, sourceName, warn } from '../shared.js';
import { readJson } from '../../io/read.js';
import { InputError } from '../../io/errors.js';
import { loadInstance } from '../../api.js';
import type { InstanceDoc } from '../../model/instance.js';
import type { Plan } from '../../model/plan.js';
import { formatViolation, verifyPlan } from '../../verify/replay.js';
import { importBtrPlace } from '../../interop/btrplace-import.js';
import { exportBtrPlace } from '../../interop/btrplace-export.js';
import { looksLikeBtrPlace, type BtrPlaceInstance } from '../../interop/btrplace-format.js';
import { chmodSync } from 'node:fs';
import { exportRunbook } from '../../interop/openstack/runbook.js';
import { exportWatcher } from '../../interop/openstack/watcher.js';
import { descriptionOf } from './index.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  const cmd = program.command('export')
    .description(descriptionOf('export'));

  cmd.command('btrplace')
    .description('write a verified plan as a BtrPlace reconfiguration plan (origin model, migrateVM actions with start/end in seconds)')
    .argument('<instance>', 'the shunt instance the plan is for, or the BtrPlace instance it was imported from (its model becomes the origin)')
    .argument('<plan>', 'shunt plan JSON file, or - for stdin')
    .option('--out <file>', 'write the BtrPlace plan JSON to FILE (atomically) instead of stdout')
    .option('--policy <file>', 'policy JSON to verify the plan with; overrides the instance\'s policy key by key')
    .option('--plugins <dir>', 'load user plugins from DIR; repeatable', collect)
    .action(async (file: string, planFile: string, o: { out?: string; policy?: string; plugins?: string[] }) => {
      if (file === '-' && planFile === '-') throw new InputError('arguments', [{ path: '', message: 'only one of instance and plan can be read from stdin' }]);
      const source = sourceName(file);
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
      const plan = readVerifiedPlan(loaded, planFile, source);
      if (!plan) return;
      const { plan: out, warnings } = exportBtrPlace(doc, plan, { origin });
      for (const w of warnings) warn(`warning: ${w}`);
      emit(JSON.stringify(out, null, 2), o.out);
    });

  cmd.command('openstack')
    .description('write a verified plan as a bash runbook for the openstack client (--format script) or as a Watcher actuator audit (--format watcher)')
    .argument('<instance>', 'the shunt instance the plan is for (as `shunt import openstack` wrote it)')
    .argument('<plan>', 'shunt plan JSON file, or - for stdin')
    .option('--format <format>', 'script (bash runbook) or watcher (openstack optimize audit create)', 'script')
    .option('--out <file>', 'write to FILE (atomically; a script is made executable) instead of stdout')
    .option('--policy <file>', 'policy JSON to verify the plan with; overrides the instance\'s policy key by key')
    .option('--plugins <dir>', 'load user plugins from DIR; repeatable', collect)
    .action(async (file: string, planFile: string, o: { format: string; out?: string; policy?: string; plugins?: string[] }) => {
      if (o.format !== 'script' && o.format !== 'watcher') throw new InputError('--format', [{ path: '', message: `must be script or watcher (got ${JSON.stringify(o.format)})` }]);
      if (file === '-' && planFile === '-') throw new InputError('arguments', [{ path: '', message: 'only one of instance and plan can be read from stdin' }]);
      const planSource = sourceName(planFile);
      const doc = readJson(file) as InstanceDoc;
      const loaded = await loadInstance(doc, loadOptions(o, file));
      const plan = readVerifiedPlan(loaded, planFile, sourceName(file));
      if (!plan) return;
      const names = { planSource, instanceSource: sourceName(file) };
      const displayNames = new Map(doc.vms.flatMap((v) => typeof v.attributes?.['displayName'] === 'string' ? [[v.name, v.attributes['displayName'] as string] as const] : []));
      emit(o.format === 'watcher' ? exportWatcher(plan, names) : exportRunbook(plan, { ...names, displayNames }), o.out);
      // Both formats are bash scripts.
      if (o.out) chmodSync(o.out, 0o755);
    });
}

/** The plan, schema-checked and replayed against the instance; undefined (exit 1, the violations reported) when it fails. */
function readVerifiedPlan(loaded: Awaited<ReturnType<typeof loadInstance>>, planFile: string, source: string): Plan | undefined {
  const planSource = sourceName(planFile);
  const planDoc = readJson(planFile);
  loaded.kernel.schemas.assert('plan', planDoc, planSource);
  const plan = planDoc as Plan;
  if (plan.status === 'infeasible' || plan.status === 'unknown') {
    throw new InputError(planSource, [{ path: '/status', message: `the plan's status is ${plan.status}: there is no plan to export` }]);
  }
  const check = verifyPlan(loaded.problem, plan.waves);
  if (check.valid) return plan;
  fail(EXIT.invalidPlan, planSource, [{ path: '', message: `the plan fails verification against ${source}; nothing exported` }, ...check.violations.slice(0, 20).map((v) => ({ path: '', message: formatViolation(v) }))]);
  return undefined;
}
