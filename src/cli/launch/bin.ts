#!/usr/bin/env node
/**
 * The `shunt` executable of the installed package (dist/bundle/shunt.cjs): loads the bundle's
 * runtime with the code cache of the command it runs (code-cache.ts), runs the command line on
 * the process's streams (as ../main.ts does for tsc's output), then, after a run that succeeded,
 * writes that cache if it had none.
 */
import { asksForHelp, commandOf } from '../command-of.js';
import { loadHelpRuntime, loadRuntime, saveCodeCache } from './code-cache.js';
import { processStreams } from '../process-streams.js';

const args = process.argv.slice(2);
const named = commandOf(args);
const runtime = named === undefined ? loadHelpRuntime() : loadRuntime(named);
void runtime.cli().run(args, processStreams()).then((code) => {
  process.exitCode = code;
  // The cache holds the code this run compiled: a run that failed early (bad input, a
  // mistyped command) would leave most of the command's code out of it for good.
  // Nor does a command's help (`plan --help`) run the command.
  const ranCommand = named !== undefined && !asksForHelp(args) && runtime.commands().COMMANDS.some((c) => c.name === named);
  if (code === 0 && (named === undefined || ranCommand)) saveCodeCache();
});
