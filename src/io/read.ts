/**
 * Reading JSON documents: small ones (policies, plans to verify) at once, instances as a
 * stream of bytes, gunzipped when the file starts with gzip's magic number, so that a
 * document larger than the largest string Node can hold (512 MiB) is still read. Up to
 * SPLIT_FROM (512 MiB) the text is parsed with JSON.parse; up to STREAM_FROM (2 GiB) the bytes
 * are held and parsed by JSON.parse in pieces of at most SPLIT_FROM (json-split.ts; several
 * times faster than a tokenizer written in JavaScript); past it the bytes go, chunk by chunk,
 * to a streaming parser (@streamparser/json) that builds the same value without ever holding
 * the text.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { InputError } from './errors.js';
import { parseJsonBytes } from './json-split.js';

const readAll = (): string => readFileSync(0, 'utf8');
/** Where "-" is read from: the process's standard input (streamed by readDocument), or a test's text (cli/run.ts). */
export const stdin = { read: readAll };

const nameOf = (file: string) => (file === '-' ? 'stdin' : file);

function unreadable(file: string, e: unknown): InputError {
  const err = e as NodeJS.ErrnoException;
  const message = err.code === 'ENOENT' ? 'no such file' : err.code === 'Z_DATA_ERROR' || err.code === 'Z_BUF_ERROR' ? `not valid gzip data (${err.message})` : `cannot be read (${err.code ?? err.message})`;
  return new InputError(nameOf(file), [{ path: '', message }]);
}

const invalidJson = (file: string, e: unknown) => new InputError(nameOf(file), [{ path: '', message: `not valid JSON: ${(e as Error).message}` }]);

/** Reads and parses a (small) JSON file, or standard input for "-". */
export function readJson(file: string): unknown {
  let text: string;
  try {
    text = file === '-' ? stdin.read() : readFileSync(file, 'utf8');
  } catch (e) {
    throw unreadable(file, e);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalidJson(file, e);
  }
}

/**
 * Documents up to this many bytes are parsed at once, as one text: just under the longest
 * string V8 can hold (2^29 - 24 characters). Parsing in pieces costs a scan of the bytes
 * (+20 % at 180 MB), so it is kept for documents that cannot be one string.
 */
export const SPLIT_FROM = 2 ** 29 - 1024;
/** Documents up to this many bytes are held and parsed in pieces; larger ones by the streaming parser. */
export const STREAM_FROM = 2 ** 31 - 1;

const isGzip = (head: Uint8Array) => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;

/** The file's bytes, gunzipped when they start with gzip's magic number. */
async function* bytesOf(file: string): AsyncGenerator<Uint8Array> {
  const raw = (file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 }))[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await raw.next();
  if (first.done) return;
  const all = async function* () {
    yield first.value;
    for (let next = await raw.next(); !next.done; next = await raw.next()) yield next.value;
  };
  if (isGzip(first.value)) yield* Readable.from(all()).pipe(createGunzip({ chunkSize: 1 << 20 }));
  else if (file.endsWith('.gz')) throw new InputError(nameOf(file), [{ path: '', message: 'named .gz but not gzip data (no gzip magic number)' }]);
  else yield* all();
}

/**
 * Reads and parses a JSON document that may be huge or gzip-compressed (by its magic
 * number; a .gz name without it is an error), from a file or standard input ("-").
 */
export async function readDocument(file: string, streamFrom = STREAM_FROM, splitFrom = SPLIT_FROM): Promise<unknown> {
  if (file === '-' && stdin.read !== readAll) return parseText(file, stdin.read());
  const small = smallSource(file, streamFrom, splitFrom);
  if (small !== undefined) return parseSource(file, small, splitFrom);
  const head: Uint8Array[] = [];
  let size = 0;
  let parser: StreamingParse | undefined;
  try {
    for await (const chunk of bytesOf(file)) {
      if (parser) { parser.write(chunk); continue; }
      head.push(chunk);
      size += chunk.length;
      if (size > streamFrom) {
        parser = await StreamingParse.create(file);
        for (const c of head.splice(0)) parser.write(c);
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw unreadable(file, e);
  }
  if (parser) return parser.end();
  return parseSource(file, sourceOf(Buffer.concat(head.splice(0)), splitFrom), splitFrom);
}

/**
 * An instance's bytes, held for `loadInstance` to compile piece by piece without the whole
 * parsed document (src/io/instance-pieces.ts); `parse()` gives the document, or the error,
 * that readDocument would have.
 */
export class InstanceBytes {
  constructor(readonly bytes: Buffer, private readonly whole: () => unknown) {}

  parse(): unknown {
    return this.whole();
  }
}

/**
 * Reads an instance as readDocument does, but a document read into memory is not parsed yet:
 * it is returned as InstanceBytes, for `loadInstance`. A streamed one (past `streamFrom`
 * bytes) is parsed as readDocument parses it.
 */
export async function readInstance(file: string, streamFrom = STREAM_FROM, splitFrom = SPLIT_FROM): Promise<unknown> {
  if (file === '-' && stdin.read !== readAll) return parseText(file, stdin.read());
  const small = smallFile(file, streamFrom);
  const bytes = small ?? await streamedBytes(file, streamFrom);
  if (!bytes) return readDocument(file, streamFrom, splitFrom);
  return new InstanceBytes(bytes, () => parseSource(file, sourceOf(bytes, splitFrom), splitFrom));
}

/** The whole stream's bytes, or undefined past `limit` (then the file is read again, by the streaming parser). */
async function streamedBytes(file: string, limit: number): Promise<Buffer | undefined> {
  if (file === '-') return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of bytesOf(file)) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) return undefined;
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw unreadable(file, e);
  }
  return Buffer.concat(chunks);
}

/** What is parsed: the text of a document up to SPLIT_FROM bytes (its bytes are not kept), else the bytes. */
function sourceOf(bytes: Buffer, splitFrom: number): string | Buffer {
  return bytes.length <= splitFrom ? bytes.toString('utf8') : bytes;
}

/** A file's source read at once (see smallFile); the bytes of a text are not kept. */
function smallSource(file: string, limit: number, splitFrom: number): string | Buffer | undefined {
  const bytes = smallFile(file, limit);
  return bytes && sourceOf(bytes, splitFrom);
}

function parseSource(file: string, source: string | Buffer, splitFrom: number): unknown {
  if (typeof source === 'string') return parseText(file, source);
  try {
    return parseJsonBytes(source, splitFrom);
  } catch (e) {
    throw invalidJson(file, e);
  }
}

/** JSON.parse; the caller holds no bytes meanwhile (they may be collected while the tree grows). */
function parseText(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalidJson(file, e);
  }
}

/**
 * A small file's bytes (gunzipped), read at once: no asynchronous reads for the common
 * case. Undefined for standard input, a missing or large file, or gzip data that inflates
 * past `limit` (the stream handles those, and their errors).
 */
function smallFile(file: string, limit: number): Buffer | undefined {
  if (file === '-') return undefined;
  try {
    if (statSync(file).size > limit) return undefined;
    const bytes = readFileSync(file);
    if (!isGzip(bytes)) return file.endsWith('.gz') ? undefined : bytes;
    return gunzipSync(bytes, { maxOutputLength: Math.max(1, limit) });
  } catch {
    return undefined;
  }
}

/** The streaming parser, loaded only for large documents; errors become InputErrors. */
class StreamingParse {
  private value: unknown;
  private done = false;

  private constructor(private readonly file: string, private readonly parser: import('@streamparser/json').JSONParser) {
    parser.onValue = ({ value, stack }) => { if (stack.length === 0) { this.value = value; this.done = true; } };
  }

  static async create(file: string): Promise<StreamingParse> {
    const { JSONParser } = await import('@streamparser/json');
    // Only the root is emitted: the parser builds the whole value, as JSON.parse would.
    return new StreamingParse(file, new JSONParser({ paths: ['$'], stringBufferSize: 64 * 1024, numberBufferSize: 64 }));
  }

  write(chunk: Uint8Array): void {
    try {
      this.parser.write(chunk);
    } catch (e) {
      throw this.failed(e);
    }
  }

  private failed(e: unknown): InputError {
    return e instanceof InputError ? e : invalidJson(this.file, e);
  }

  end(): unknown {
    // The parser ends by itself once the root value is complete; a bare number needs the end.
    if (!this.done) {
      try {
        this.parser.end();
      } catch (e) {
        throw this.failed(e);
      }
    }
    if (!this.done) throw invalidJson(this.file, new Error('the document ends early'));
    return this.value;
  }
}
