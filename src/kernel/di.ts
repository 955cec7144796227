/**
 * tsyringe, with its reflect-metadata polyfill loaded first (tsyringe checks for it on load).
 * Both are CommonJS: required, not imported, so that Node's ESM loader does not scan each of
 * their files for named exports (about 40 ms at start-up). The bundle (scripts/bundle.mjs)
 * puts an import of both in place of this module, so that the executable holds them and
 * reads no file of theirs.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('reflect-metadata');

export const { container, inject, injectable } = require('tsyringe') as typeof import('tsyringe');
