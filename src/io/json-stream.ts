/**
 * Writing large JSON documents (plans of millions of migrations, generated instances) as a
 * stream: the text is produced piece by piece and written in chunks of about 1 MiB, never
 * held whole (a string cannot exceed 512 MiB). The text is exactly JSON.stringify(value,
 * null, indent)'s for plain data (objects, arrays, strings, numbers, booleans, null).
 */
import { createWriteStream, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Containers with at most this many entries, below the first LEVELS levels, are written by
 * one JSON.stringify call (a document's root and its first levels are always split: a plan's
 * few waves, an instance's few keys, can hold millions of entries).
 */
const SMALL = 64;
const LEVELS = 3;
const CHUNK = 1 << 20;

/** Items of an array written by one JSON.stringify call together (a plan's migrations, an instance's VMs). */
const BATCH = 512;

/** Whether jsonPieces writes `value` at `depth` by one JSON.stringify call. */
function whole(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
  if (Array.isArray(value)) return value.length === 0 || (value.length <= SMALL && depth >= LEVELS);
  // Counted without Object.keys' array (this runs for each of a plan's migrations).
  let size = 0;
  for (const key in value) if (Object.hasOwn(value, key) && ++size > SMALL) break;
  return size === 0 || (size <= SMALL && depth >= LEVELS);
}

/**
 * JSON.stringify of `items` as the entries of an array at `depth`, indented for that depth:
 * the items are wrapped in `depth` arrays, so JSON.stringify indents them itself (no second
 * pass over the text), and the wrappers' text is cut off. Returns what follows the opening
 * bracket up to the newline before the closing one.
 */
function itemsText(items: readonly unknown[], indent: number, depth: number): string {
  let wrapped: unknown = items;
  for (let d = 0; d < depth; d++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, indent);
  // Each wrapper opens with "[\n" and its indentation, and closes with "\n", its indentation and "]".
  let open = 0;
  let close = 0;
  for (let d = 0; d < depth; d++) { open += 2 + indent * (d + 1); close += 2 + indent * d; }
  return text.slice(open + 1, text.length - close - 2 - indent * depth);
}

/** The pieces of the JSON text of `value`, in order. */
export function* jsonPieces(value: unknown, indent = 0, depth = 0): Generator<string> {
  if (whole(value, depth)) {
    const text = JSON.stringify(value, null, indent) ?? 'null';
    yield indent && depth ? text.replace(/\n/g, '\n' + ' '.repeat(indent * depth)) : text;
  } else if (Array.isArray(value)) yield* arrayPieces(value, indent, depth);
  else yield* objectPieces(value as Record<string, unknown>, indent, depth);
}

function* arrayPieces(value: readonly unknown[], indent: number, depth: number): Generator<string> {
  const pad = indent ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
  const close = indent ? '\n' + ' '.repeat(indent * depth) : '';
  yield '[';
  for (let i = 0; i < value.length;) {
    // A run of items written whole goes to JSON.stringify as one array: its text, without
    // the brackets and indented one level deeper, is theirs (undefined items become null there too).
    let end = i;
    while (end < value.length && end - i < BATCH && whole(value[end], depth + 1)) end++;
    if (end > i) {
      const batch = value.slice(i, end);
      const items = indent ? itemsText(batch, indent, depth) : JSON.stringify(batch).slice(1, -1);
      yield (i ? ',' : '') + items;
      i = end;
      continue;
    }
    yield (i ? ',' : '') + pad;
    yield* jsonPieces(value[i], indent, depth + 1);
    i++;
  }
  yield close + ']';
}

function* objectPieces(value: Record<string, unknown>, indent: number, depth: number): Generator<string> {
  const pad = indent ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
  const close = indent ? '\n' + ' '.repeat(indent * depth) : '';
  yield '{';
  let first = true;
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    yield (first ? '' : ',') + pad + JSON.stringify(key) + (indent ? ': ' : ':');
    first = false;
    yield* jsonPieces(item, indent, depth + 1);
  }
  yield (first ? '' : close) + '}';
}

/** The JSON text of `value` and a final newline, in chunks of about 1 MiB. */
export function* jsonChunks(value: unknown, indent = 2): Generator<string> {
  let buffer = '';
  for (const piece of jsonPieces(value, indent)) {
    buffer += piece;
    if (buffer.length >= CHUNK) { yield buffer; buffer = ''; }
  }
  yield buffer + '\n';
}

/** Writes `value` as JSON to a stream (left open: it may be stdout), respecting its back-pressure. */
export async function writeJson(out: Writable, value: unknown, indent = 2): Promise<void> {
  let failure: unknown;
  const onError = (e: unknown) => { failure ??= e; };
  out.on('error', onError);
  try {
    for (const chunk of jsonChunks(value, indent)) {
      if (failure) break;
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
    }
  } finally {
    out.off('error', onError);
  }
  if (failure) throw failure;
}

/** Writes `value` as JSON to a file through a temporary file and a rename: never a half-written file. */
export async function writeJsonFile(file: string, value: unknown, indent = 2): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    await pipeline(Readable.from(jsonChunks(value, indent)), createWriteStream(tmp));
    renameSync(tmp, file);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* nothing to clean */ }
    throw e;
  }
}
