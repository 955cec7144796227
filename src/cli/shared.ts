/** What every command shares: common options, output, exit codes. */
import type { Command } from 'commander';
import type { PolicyDoc } from '../model/instance.js';
import { readJson } from '../io/read.js';
import { writeAtomic } from '../io/write.js';
import { InputError } from '../io/errors.js';

export const EXIT = { ok: 0, internal: 1, invalidPlan: 1, input: 2, infeasible: 3, unknown: 4 } as const;

export interface CommonOptions { policy?: string; plugins?: string[]; json?: boolean; out?: string }

const collect = (value: string, previous: string[] = []) => [...previous, value];
export const sourceName = (file: string) => (file === '-' ? 'stdin' : file);

/** --policy, --plugins and --json, on every command that reads an instance. */
export const common = (cmd: Command) => cmd
  .option('--policy <file>', 'policy JSON (cost, rules, overcommit, engine); overrides the instance\'s policy key by key')
  .option('--plugins <dir>', 'load user plugins (manifests and modules) from DIR; repeatable', collect)
  .option('--json', 'machine-readable JSON on stdout');

export function loadOptions(o: CommonOptions, file: string, engine?: string) {
  let policy = o.policy ? (readJson(o.policy) as PolicyDoc) : undefined;
  if (engine) policy = { ...(policy ?? {}), engine };
  return { policy, policySource: o.policy ?? (engine ? '--engine' : undefined), pluginDirs: o.plugins ?? [], source: sourceName(file) };
}

export function emit(text: string, out?: string): void {
  if (out) writeAtomic(out, text.endsWith('\n') ? text : text + '\n');
  else process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** commander parser for --time-limit. */
export function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InputError('--time-limit', [{ path: '', message: `must be a positive number of seconds (got ${JSON.stringify(value)})` }]);
  return n;
}
