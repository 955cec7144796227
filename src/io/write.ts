import { chmodSync, lstatSync, readlinkSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from './errors.js';

const MAX_LINKS = 40; // as the kernel's ELOOP limit

function lstatOrNull(path: string, follow = false): Stats | null {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch {
    return null;
  }
}

/** Follows symlinks (dangling ones too) to the file they name: that is what gets replaced. */
export function destinationOf(file: string): string {
  let path = resolve(file);
  for (let i = 0; i < MAX_LINKS; i++) {
    const st = lstatOrNull(path);
    if (!st?.isSymbolicLink()) return path;
    path = resolve(dirname(path), readlinkSync(path));
  }
  throw new InputError(file, [{ path: '', message: 'cannot be written: too many levels of symbolic links' }]);
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const reason = (e: unknown) => {
  const err = e as NodeJS.ErrnoException;
  const text = err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  return err.code ? `${err.code} (${text})` : text;
};

/**
 * Writes through a temporary file in the destination's directory, then renames: never a
 * half-written file. A symlink is written through to its target; anything that is not a
 * regular file (a device, a pipe, a directory) is refused, never replaced. Failures are
 * InputErrors naming the path and the reason.
 */
export function writeAtomic(file: string, text: string): void {
  // What the name finally leads to (/dev/stdout leads to a pipe or a terminal through /proc).
  const existing = lstatOrNull(file, true);
  if (existing && !existing.isFile()) {
    throw new InputError(file, [{ path: '', message: `cannot be written: it is ${kindOf(existing)}; refusing to replace it (use --out - for standard output)` }]);
  }
  const dest = destinationOf(file);
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.tmp`);
  try {
    try { unlinkSync(tmp); } catch { /* left by a crashed run with our pid, or absent */ }
    writeFileSync(tmp, text, { flag: 'wx' });
    if (existing) chmodSync(tmp, statSync(dest).mode & 0o7777); // keep the replaced file's permissions
    renameSync(tmp, dest);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* nothing to clean */ }
    throw new InputError(file, [{ path: '', message: `cannot be written: ${reason(e)}` }]);
  }
}
