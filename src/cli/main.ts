#!/usr/bin/env node
/**
 * shunt's command line. Exit codes: 0 plan found / valid; 1 internal error or
 * invalid plan (verify); 2 invalid input; 3 proven infeasible; 4 nothing found
 * within limits.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { InputError } from '../io/errors.js';
import { packageRoot } from '../util/package-root.js';
import { EXIT } from './shared.js';
import { COMMANDS } from './commands/index.js';

export function buildProgram(): Command {
  const version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  const program = new Command('shunt')
    .description('Plans safe, cheap, parallel live-migration sequences from a placement to a target placement.')
    .version(version)
    .showHelpAfterError()
    .exitOverride();

  for (const register of COMMANDS) register(program);

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
