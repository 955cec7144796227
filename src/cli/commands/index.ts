/** Every subcommand registers itself on the program; add new ones here. */
import type { Command } from 'commander';
import { register as plan } from './plan.js';
import { register as verify } from './verify.js';
import { register as validate } from './validate.js';
import { register as importCmd } from './import.js';
import { register as exportCmd } from './export.js';
import { register as compare } from './compare.js';
import { register as target } from './target.js';
import { register as evaluate } from './evaluate.js';
import { register as report } from './report.js';
import { register as snapshot } from './snapshot.js';
import { register as serve } from './serve.js';
import { register as worker } from './worker.js';

export const COMMANDS: ReadonlyArray<(program: Command) => void> = [plan, verify, validate, compare, target, evaluate, report, importCmd, exportCmd, snapshot, serve, worker];
