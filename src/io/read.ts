import { readFileSync } from 'node:fs';
import { InputError } from './errors.js';

/** Where "-" is read from: the process's standard input, or a test's text (cli/run.ts). */
export const stdin = { read: (): string => readFileSync(0, 'utf8') };

/** Reads and parses a JSON file, or standard input for "-". */
export function readJson(file: string): unknown {
  let text: string;
  try {
    text = file === '-' ? stdin.read() : readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(file === '-' ? 'stdin' : file, [{ path: '', message: err.code === 'ENOENT' ? 'no such file' : `cannot be read (${err.code ?? err.message})` }]);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(file === '-' ? 'stdin' : file, [{ path: '', message: `not valid JSON: ${(e as Error).message}` }]);
  }
}
