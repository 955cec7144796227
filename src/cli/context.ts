/**
 * The run's context, which every command shares: where output goes (the process's streams or a
 * test's buffers), exit codes, messages and errors. Apart from shared.ts, so that run.ts (and
 * `shunt --help`) loads none of the input and output modules the commands use.
 */
import { InputError, type InputIssue } from '../io/errors.js';

export const EXIT = { ok: 0, internal: 1, invalidPlan: 1, input: 2, infeasible: 3, unknown: 4 } as const;

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
  // The reader is loaded only for a run given its standard input as text (tests).
  const stdin = io.stdin === undefined ? undefined : (await import('../io/read.js')).stdin;
  const read = stdin?.read;
  if (stdin) stdin.read = () => io.stdin!;
  try {
    const value = await fn();
    return { value, exitCode: current.exitCode };
  } finally {
    current = previous;
    if (stdin && read) stdin.read = read;
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

export const line = (text: string) => (text.endsWith('\n') ? text : text + '\n');

/** Text on the run's stdout, as it is. */
export function stdout(text: string): void {
  current.io.stdout(text);
}

/** Human-readable text on stdout, control characters escaped. */
export function say(text: string): void {
  current.io.stdout(printable(line(text)));
}

/** One line on stderr, prefixed "shunt: ", control characters escaped. */
export function warn(text: string): void {
  current.io.stderr(printable(line(`shunt: ${text}`)));
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
