import { chmodSync, closeSync, lstatSync, openSync, readlinkSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
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
 * InputErrors naming the path and the reason. `text` may come in pieces (a large plan's
 * JSON, jsonChunks): it is then never held whole; an error while producing the pieces
 * leaves nothing behind and is thrown as it is.
 */
export function writeAtomic(file: string, text: string | Iterable<string>): void {
  // What the name finally leads to (/dev/stdout leads to a pipe or a terminal through /proc).
  const existing = lstatOrNull(file, true);
  if (existing && !existing.isFile()) {
    throw new InputError(file, [{ path: '', message: `cannot be written: it is ${kindOf(existing)}; refusing to replace it (use --out - for standard output)` }]);
  }
  const dest = destinationOf(file);
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.tmp`);
  let fd: number | undefined;
  let producing = false;
  try {
    try { unlinkSync(tmp); } catch { /* left by a crashed run with our pid, or absent */ }
    fd = openSync(tmp, 'wx');
    producing = true;
    for (const piece of typeof text === 'string' ? [text] : text) {
      producing = false;
      writeAll(fd, piece);
      producing = true;
    }
    producing = false;
    closeSync(fd);
    fd = undefined;
    if (existing) chmodSync(tmp, statSync(dest).mode & 0o7777); // keep the replaced file's permissions
    renameSync(tmp, dest);
  } catch (e) {
    if (fd !== undefined) try { closeSync(fd); } catch { /* already failed */ }
    try { unlinkSync(tmp); } catch { /* nothing to clean */ }
    if (producing) throw e;
    throw new InputError(file, [{ path: '', message: `cannot be written: ${reason(e)}` }]);
  }
}

/** Writes the whole string (writeSync may write less than asked). */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
}
