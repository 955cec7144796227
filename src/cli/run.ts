/**
 * shunt's command line as a function: run(argv, io) parses, runs one command and returns
 * the exit code. Exit codes: 0 plan found / valid; 1 internal error or invalid plan
 * (verify); 2 invalid input; 3 proven infeasible; 4 nothing found within limits.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Help } from 'commander';
import { InputError } from '../io/errors.js';
import { packageRoot } from '../util/package-root.js';
import { EXIT, fail, failInput, processIo, withIo, type CliIo } from './context.js';
import { COMMANDS } from './commands/index.js';
import { commandOf } from './command-of.js';

export type { CliIo } from './context.js';
export { commandOf } from './command-of.js';

/**
 * The program with every command listed; only the commands named in `load` (by default the one
 * the arguments run, see commandOf) are loaded with their options and action.
 */
export async function buildProgram(io: CliIo = processIo, load: readonly string[] = []): Promise<Command> {
  const version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  const listed = new Map<Command, string>(); // commands only listed: their term in the help
  const help = new Help();
  const program = new Command('shunt')
    .description('Plans safe, cheap, parallel live-migration sequences from a placement to a target placement.')
    .version(version)
    .showHelpAfterError()
    .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t) })
    .configureHelp({ subcommandTerm: (cmd) => listed.get(cmd) ?? help.subcommandTerm(cmd) })
    .exitOverride();

  for (const entry of COMMANDS) {
    if (load.includes(entry.name)) (await entry.load()).register(program);
    else listed.set(program.command(entry.name).description(entry.description), entry.term);
  }

  return program;
}

const QUIET_COMMANDER = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

/** Runs one command line (argv without node and the script); returns the exit code. */
export async function run(args: readonly string[], io: CliIo = processIo): Promise<number> {
  const json = args.slice(0, args.includes('--') ? args.indexOf('--') : undefined).includes('--json');
  const before = process.exitCode;
  process.exitCode = undefined; // commands that still set it directly are honoured below
  const { exitCode } = await withIo(io, json, async () => {
    try {
      const command = commandOf(args);
      await (await buildProgram(io, command === undefined ? [] : [command])).parseAsync([...args], { from: 'user' });
    } catch (e) {
      if (e instanceof CommanderError) {
        // commander has already written the message (and the help) on stderr
        if (!QUIET_COMMANDER.has(e.code)) fail(EXIT.input, 'arguments', [{ path: '', message: e.message.replace(/^error: /, '') }], undefined, true);
      } else if (e instanceof InputError) {
        failInput(e);
      } else {
        fail(EXIT.internal, 'shunt', [{ path: '', message: `internal error: ${(e as Error).message}` }]);
        if (process.env['SHUNT_DEBUG']) io.stderr(`${(e as Error).stack}\n`);
      }
    }
  });
  const legacy = typeof process.exitCode === 'number' ? process.exitCode : undefined;
  process.exitCode = before;
  return exitCode ?? legacy ?? EXIT.ok;
}
