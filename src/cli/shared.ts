/** What every command shares: common options, output, errors, exit codes. */
import type { Command } from 'commander';
import type { PolicyDoc } from '../model/instance.js';
import { readJson, stdin } from '../io/read.js';
import { writeAtomic } from '../io/write.js';
import { jsonChunks } from '../io/json-stream.js';
import { InputError, type InputIssue } from '../io/errors.js';
import { builtinNames as builtinsOf } from '../kernel/builtins-manifests.js';
import type { PluginKind } from '../plugin-api.js';

export const EXIT = { ok: 0, internal: 1, invalidPlan: 1, input: 2, infeasible: 3, unknown: 4 } as const;

export interface CommonOptions { policy?: string; plugins?: string[]; json?: boolean; out?: string }

/** Where a run writes: the process's streams, or a test's buffers. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Standard input for "-", when not the process's own. */
  stdin?: string;
}

interface RunContext { io: CliIo; json: boolean; exitCode?: number }

export const processIo: CliIo = {
  stdout: (text) => { process.stdout.write(text); },
  stderr: (text) => { process.stderr.write(text); },
};

let current: RunContext = { io: processIo, json: false };

/** Runs fn with output going to io; one run at a time (the CLI is not re-entrant). */
export async function withIo<T>(io: CliIo, json: boolean, fn: () => Promise<T>): Promise<{ value: T; exitCode?: number }> {
  const previous = current;
  current = { io, json };
  const read = stdin.read;
  if (io.stdin !== undefined) stdin.read = () => io.stdin!;
  try {
    const value = await fn();
    return { value, exitCode: current.exitCode };
  } finally {
    current = previous;
    stdin.read = read;
  }
}

export function setExitCode(code: number): void {
  current.exitCode = code;
}

// Control characters in names would move the cursor or recolour a terminal: show them escaped
// (but tab and newline). The class is built from codes: matching them is the point here.
const spelt = (code: number) => `\\x${code.toString(16).padStart(2, '0')}`;
const CONTROL = new RegExp(`[${spelt(0x00)}-${spelt(0x08)}${spelt(0x0b)}-${spelt(0x1f)}${spelt(0x7f)}-${spelt(0x9f)}]`, 'g');
export const printable = (text: string): string => text.replace(CONTROL, (c) => spelt(c.charCodeAt(0)));

const line = (text: string) => (text.endsWith('\n') ? text : text + '\n');

/** Human-readable text on stdout, control characters escaped. */
export function say(text: string): void {
  current.io.stdout(printable(line(text)));
}

/** One line on stderr, prefixed "shunt: ", control characters escaped. */
export function warn(text: string): void {
  current.io.stderr(printable(line(`shunt: ${text}`)));
}

/** A document (JSON text) on stdout, or written atomically to FILE ("-" is stdout). */
export function emit(text: string, out?: string): void {
  if (out && out !== '-') writeAtomic(out, line(text));
  else current.io.stdout(line(text));
}

/**
 * A JSON document (indented) on stdout, or written atomically to FILE ("-" is stdout), in
 * pieces of about 1 MiB (io/json-stream.ts): a plan of millions of migrations is never one string.
 */
export function emitJson(value: unknown, out?: string): void {
  if (out && out !== '-') writeAtomic(out, jsonChunks(value));
  else for (const chunk of jsonChunks(value)) current.io.stdout(chunk);
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
 * Ends a run with an error: each issue on stderr and, with --json, one object on stdout,
 * {"error": {"exitCode", "issues": [{source, path, message}]}}, plus any result that was computed.
 */
export function fail(exitCode: number, source: string, issues: InputIssue[], result?: Record<string, unknown>, alreadyOnStderr = false): void {
  if (!alreadyOnStderr) for (const i of issues) warn(`${i.source ?? source}: ${i.path || '/'}: ${i.message}`);
  if (current.json) {
    const error = { exitCode, issues: issues.map((i) => ({ source: i.source ?? source, path: i.path, message: i.message })) };
    current.io.stdout(JSON.stringify({ error, ...(result ?? {}) }, null, 2) + '\n');
  }
  setExitCode(exitCode);
}

/** fail() for an InputError (exit 2). */
export const failInput = (e: InputError, result?: Record<string, unknown>): void => fail(EXIT.input, e.source, e.issues, result);

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
