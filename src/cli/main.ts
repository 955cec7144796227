#!/usr/bin/env node
/** The shunt executable: runs the command line on the process's streams (see run.ts). */
import { run } from './run.js';
import { processStreams } from './process-streams.js';

process.exitCode = await run(process.argv.slice(2), processStreams());
