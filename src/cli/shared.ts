/** What every command shares: common options, output, errors, exit codes (the run's context is context.ts). */
import type { Command } from 'commander';
import type { PolicyDoc } from '../model/instance.js';
import { readJson } from '../io/read.js';
import { writeAtomic } from '../io/write.js';
import { jsonChunks } from '../io/json-stream.js';
import { InputError } from '../io/errors.js';
import { line, stdout } from './context.js';
import { builtinNames as builtinsOf } from '../kernel/builtins-manifests.js';
import type { PluginKind } from '../plugin-api.js';

export { EXIT, processIo, withIo, setExitCode, printable, say, warn, fail, failInput, type CliIo } from './context.js';

export interface CommonOptions { policy?: string; plugins?: string[]; json?: boolean; out?: string }

/** A document (JSON text) on stdout, or written atomically to FILE ("-" is stdout). */
export function emit(text: string, out?: string): void {
  if (out && out !== '-') writeAtomic(out, line(text));
  else stdout(line(text));
}

/**
 * A JSON document (indented) on stdout, or written atomically to FILE ("-" is stdout), in
 * pieces of about 1 MiB (io/json-stream.ts): a plan of millions of migrations is never one string.
 */
export function emitJson(value: unknown, out?: string): void {
  if (out && out !== '-') writeAtomic(out, jsonChunks(value));
  else for (const chunk of jsonChunks(value)) stdout(chunk);
}

/** tryWrite for a JSON document written in pieces (emitJson). */
export function tryWriteJson(out: string, value: unknown): InputError | undefined {
  try {
    emitJson(value, out);
    return undefined;
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
}

/**
 * Writes a computed result to --out; on failure (unwritable, not a regular file) the error is
 * returned, not thrown, so the caller can still show what it computed before exiting 2.
 */
export function tryWrite(out: string, text: string): InputError | undefined {
  try {
    emit(text, out);
    return undefined;
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
export const sourceName = (file: string) => (file === '-' ? 'stdin' : file);

/** --policy, --plugins and --json, on every command that reads an instance. */
export const common = (cmd: Command) => cmd
  .option('--policy <file>', 'policy JSON (cost, rules, overcommit, engine); overrides the instance\'s policy key by key')
  .option('--plugins <dir>', 'load user plugins (manifests and modules) from DIR; repeatable', collect)
  .option('--json', 'machine-readable JSON on stdout (errors too: {"error": {...}})');

export function loadOptions(o: CommonOptions, file: string, engine?: string) {
  let policy = o.policy ? (readJson(o.policy) as PolicyDoc) : undefined;
  if (engine) policy = { ...(policy ?? {}), engine };
  return { policy, policySource: o.policy ?? (engine ? '--engine' : undefined), pluginDirs: o.plugins ?? [], source: sourceName(file) };
}

/** commander parser for --time-limit. */
export function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InputError('--time-limit', [{ path: '', message: `must be a positive number of seconds (got ${JSON.stringify(value)})` }]);
  return n;
}

/** The built-in plugins of a kind, for help texts, from their manifests ("auto, exact, heuristic (default)"): loads no plugin. */
export function builtinNames(kind: PluginKind, fallback?: string): string {
  const list = builtinsOf(kind);
  return list.map((n) => (n === fallback ? `${n} (default)` : n)).join(', ');
}
