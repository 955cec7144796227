/**
 * The subcommands, in the order `shunt --help` lists them. Each one's module is loaded only
 * when that command runs or shows its own help (it imports what the command needs, so a
 * command never pays for the others); `shunt --help` shows the name, the term and the
 * description from here, and each module takes its description from here too
 * (`descriptionOf`). Add new commands here. test/cli-startup.test.ts checks that these lines
 * are the ones the loaded modules show.
 */
import type { Command } from 'commander';

export interface CommandEntry {
  name: string;
  /** The command's line in `shunt --help`: name, [options], arguments. */
  term: string;
  description: string;
  /** The module whose register(program) adds the command with its options and action. */
  load(): Promise<{ register(program: Command): void }>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'plan', term: 'plan [options] <instance>', load: () => import('./plan.js'),
    description: 'compute a verified migration plan from placement to target',
  },
  {
    name: 'verify', term: 'verify [options] <instance> <plan>', load: () => import('./verify.js'),
    description: 'replay a plan against an instance and its rules; exit 0 if valid, 1 if not',
  },
  {
    name: 'validate', term: 'validate [options] <instance>', load: () => import('./validate.js'),
    description: 'check an instance (schema, names, plugins, the target under the rules; a placement that breaks a rule is warned about, as an overloaded start); exit 0 or 2',
  },
  {
    name: 'compare', term: 'compare [options] <instance>', load: () => import('./compare.js'),
    description: 'plan with the heuristic and with the exact engine for each solver; one row each',
  },
  {
    name: 'target', term: 'target [options] <instance>', load: () => import('./target.js'),
    description: 'choose a target with a placement strategy and write the instance with it (checked against every rule); exit 4 when the strategy finds none',
  },
  {
    name: 'evaluate', term: 'evaluate [options] <instance>', load: () => import('./evaluate.js'),
    description: 'compare placement strategies: per candidate target, hosts used, utilisation per resource (max, mean, stddev), memory saved by sharing, and the verified path to it (cost, waves, moves, status); exit 0 when every candidate has a target and a path, 4 otherwise',
  },
  {
    name: 'report', term: 'report [options] <instance> <plan>', load: () => import('./report.js'),
    description: 'write one self-contained HTML page (opens offline) showing a plan: verdict, timeline of the dependency schedule, utilisation heat map; the plan is replayed by the verifier first, and refused (exit 1) if it fails; --json says what was written',
  },
  {
    name: 'import', term: 'import', load: () => import('./import.js'),
    description: 'convert an instance from another planner\'s format into a shunt instance',
  },
  {
    name: 'export', term: 'export', load: () => import('./export.js'),
    description: 'convert a shunt plan into another planner\'s format',
  },
  {
    name: 'snapshot', term: 'snapshot [options]', load: () => import('./snapshot.js'),
    description: 'read a live OpenStack cloud (Nova and Placement APIs, admin credentials) into the directory `shunt import openstack` reads',
  },
  {
    name: 'serve', term: 'serve [options]', load: () => import('./serve.js'),
    description: 'serve plans over HTTP: jobs queued, solved in a worker-thread pool (or by shunt worker processes with --redis); see GET /openapi.json',
  },
  {
    name: 'worker', term: 'worker [options]', load: () => import('./worker.js'),
    description: 'take jobs from the Redis queue of shunt serve --redis and solve them in a worker-thread pool; SIGTERM finishes running jobs first',
  },
];

/** A command's description, for its own module (one text for `shunt --help` and `shunt NAME --help`). */
export function descriptionOf(name: string): string {
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) throw new Error(`no command ${name} in src/cli/commands/index.ts`);
  return entry.description;
}
