#!/usr/bin/env node
/**
 * shunt's command line. Exit codes: 0 plan found / valid; 1 internal error or
 * invalid plan (verify); 2 invalid input; 3 proven infeasible; 4 nothing found
 * within limits.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { PolicyDoc } from '../model/instance.js';
import { InputError } from '../io/errors.js';
import { readJson } from '../io/read.js';
import { writeAtomic } from '../io/write.js';
import { loadInstance, solveLoaded, verifyAgainst } from '../api.js';
import { misplacedVms } from '../model/model.js';
import { formatViolation } from '../verify/replay.js';
import { packageRoot } from '../util/package-root.js';
import { planSummary } from './format.js';
import { progressReporter } from './progress.js';

export const EXIT = { ok: 0, internal: 1, invalidPlan: 1, input: 2, infeasible: 3, unknown: 4 } as const;

interface CommonOptions { policy?: string; plugins?: string[]; json?: boolean; out?: string }

const collect = (value: string, previous: string[] = []) => [...previous, value];
const sourceName = (file: string) => (file === '-' ? 'stdin' : file);

function loadOptions(o: CommonOptions, file: string, engine?: string) {
  let policy = o.policy ? (readJson(o.policy) as PolicyDoc) : undefined;
  if (engine) policy = { ...(policy ?? {}), engine };
  return { policy, policySource: o.policy ?? (engine ? '--engine' : undefined), pluginDirs: o.plugins ?? [], source: sourceName(file) };
}

function emit(text: string, out?: string): void {
  if (out) writeAtomic(out, text.endsWith('\n') ? text : text + '\n');
  else process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InputError('--time-limit', [{ path: '', message: `must be a positive number of seconds (got ${JSON.stringify(value)})` }]);
  return n;
}

export function buildProgram(): Command {
  const version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  const program = new Command('shunt')
    .description('Plans safe, cheap, parallel live-migration sequences from a placement to a target placement.')
    .version(version)
    .showHelpAfterError()
    .exitOverride();

  const common = (cmd: Command) => cmd
    .option('--policy <file>', 'policy JSON (cost, rules, overcommit, engine); overrides the instance\'s policy key by key')
    .option('--plugins <dir>', 'load user plugins (manifests and modules) from DIR; repeatable', collect)
    .option('--json', 'machine-readable JSON on stdout');

  common(program.command('plan')
    .description('compute a verified migration plan from placement to target')
    .argument('<instance>', 'instance JSON file, or - for stdin'))
    .addOption(new Option('--engine <name>', 'engine plugin (default heuristic)'))
    .option('--time-limit <seconds>', 'stop searching after this many seconds', positiveSeconds)
    .option('--out <file>', 'write the plan JSON to FILE (atomically; only when a plan is found)')
    .action(async (file: string, o: CommonOptions & { engine?: string; timeLimit?: number }) => {
      const loaded = await loadInstance(readJson(file), loadOptions(o, file, o.engine));
      const progress = progressReporter();
      let plan;
      try {
        plan = await solveLoaded(loaded, { timeLimit: o.timeLimit, onProgress: progress });
      } finally {
        progress.end();
      }
      const json = JSON.stringify(plan, null, 2);
      const found = plan.status === 'optimal' || plan.status === 'feasible';
      if (o.out && found) writeAtomic(o.out, json + '\n');
      if (o.json) emit(json);
      else emit(planSummary(plan, loaded.problem.cost.unit));
      process.exitCode = found ? EXIT.ok : plan.status === 'infeasible' ? EXIT.infeasible : EXIT.unknown;
    });

  common(program.command('verify')
    .description('replay a plan against an instance and its rules; exit 0 if valid, 1 if not')
    .argument('<instance>', 'instance JSON file')
    .argument('<plan>', 'plan JSON file, or - for stdin'))
    .action(async (file: string, planFile: string, o: CommonOptions) => {
      if (file === '-' && planFile === '-') throw new InputError('arguments', [{ path: '', message: 'only one of instance and plan can be read from stdin' }]);
      const result = await verifyAgainst(readJson(file), readJson(planFile), { ...loadOptions(o, file), planSource: sourceName(planFile) });
      if (o.json) emit(JSON.stringify(result, null, 2));
      else if (result.valid) emit(`valid: ${result.moves} migrations, cost ${result.cost}`);
      else emit([`invalid: ${result.violations.length} violations`, ...result.violations.map((v) => `  ${formatViolation(v)}`)].join('\n'));
      process.exitCode = result.valid ? EXIT.ok : EXIT.invalidPlan;
    });

  common(program.command('validate')
    .description('check an instance (schema, names, plugins, placement and target under the rules); exit 0 or 2')
    .argument('<instance>', 'instance JSON file, or - for stdin'))
    .action(async (file: string, o: CommonOptions) => {
      const loaded = await loadInstance(readJson(file), loadOptions(o, file));
      const m = loaded.model;
      const rules = loaded.problem.rules.map((r) => r.name).join(', ');
      const summary = { valid: true, hosts: m.hosts.length, vms: m.vms.length, resources: m.resources, requiredMoves: misplacedVms(m).length, rules: loaded.problem.rules.map((r) => r.name), cost: loaded.problem.cost.name };
      emit(o.json ? JSON.stringify(summary, null, 2) : `valid: ${m.hosts.length} hosts, ${m.vms.length} VMs, ${summary.requiredMoves} must move; resources ${m.resources.join(', ')}; rules ${rules}; cost ${summary.cost}`);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? EXIT.ok : EXIT.input;
    }
    if (e instanceof InputError) {
      for (const i of e.issues) process.stderr.write(`shunt: ${i.source ?? e.source}: ${i.path || '/'}: ${i.message}\n`);
      return EXIT.input;
    }
    process.stderr.write(`shunt: internal error: ${(e as Error).message}\n`);
    if (process.env['SHUNT_DEBUG']) process.stderr.write(`${(e as Error).stack}\n`);
    return EXIT.internal;
  }
}

const code = await main(process.argv);
process.exitCode = code;
