#!/usr/bin/env node
/** The shunt executable: runs the command line on the process's streams (see run.ts). */
import { run } from './run.js';

// A reader that stops early (`shunt plan ... --json | head`) closes the pipe: stop writing, quietly.
let closed = false;
const quietOnClosedPipe = (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  closed = true;
};
process.stdout.on('error', quietOnClosedPipe);
process.stderr.on('error', quietOnClosedPipe);

process.exitCode = await run(process.argv.slice(2), {
  stdout: (text) => { if (!closed) process.stdout.write(text); },
  stderr: (text) => { if (!closed) process.stderr.write(text); },
});
