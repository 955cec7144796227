/**
 * JSON.parse for documents larger than one string may be (V8: 512 MiB) or than is worth
 * holding as one: a container longer than `batch` bytes is cut between its children, each run
 * of children up to `batch` bytes is parsed by JSON.parse inside the container's brackets, and
 * a child longer than `batch` is cut the same way. Cuts fall on commas outside strings (ASCII),
 * so no UTF-8 sequence is split. The value equals JSON.parse's on the whole text: for a
 * repeated key the last value wins at the first key's place, and "__proto__" stays an own key.
 * Several times faster than a streaming tokenizer written in JavaScript, since all the parsing
 * is V8's.
 */
import { QUOTE, COMMA, COLON, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, isSpace, skipSpace, stringEnd, textOf } from './json-bytes.js';

/** Runs of children parsed so far, put together into the container's value. */
interface Container {
  run(value: unknown): void;
  big(bytes: Uint8Array, start: number, end: number): void;
  value: unknown;
}

function syntaxError(message: string, at: number): SyntaxError {
  return new SyntaxError(`${message} at byte ${at}`);
}

function parseSlice(bytes: Uint8Array, start: number, end: number, open = '', close = ''): unknown {
  try {
    return JSON.parse(open + textOf(bytes, start, end) + close);
  } catch (e) {
    throw syntaxError((e as Error).message, start);
  }
}

/** Sets an own key as JSON.parse does ("__proto__" included). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** The parsed document. */
export function parseJsonBytes(bytes: Uint8Array, batch = 128 * 2 ** 20): unknown {
  return parseRange(bytes, 0, bytes.length, Math.max(1, batch));
}

function parseRange(bytes: Uint8Array, start: number, end: number, batch: number): unknown {
  start = skipSpace(bytes, start, end);
  while (end > start && isSpace(bytes[end - 1]!)) end--;
  if (end - start <= batch) return parseSlice(bytes, start, end);
  const open = bytes[start];
  if (open === OPEN_ARRAY && bytes[end - 1] === CLOSE_ARRAY) return splitContainer(bytes, start, end, batch, arrayOf(batch));
  if (open === OPEN_OBJECT && bytes[end - 1] === CLOSE_OBJECT) return splitContainer(bytes, start, end, batch, objectOf(batch));
  return parseSlice(bytes, start, end);
}

function arrayOf(batch: number): Container {
  const value: unknown[] = [];
  return {
    value,
    run: (part) => { for (const x of part as unknown[]) value.push(x); },
    big: (bytes, start, end) => { value.push(parseRange(bytes, start, end, batch)); },
  };
}

function objectOf(batch: number): Container {
  const value: Record<string, unknown> = {};
  return {
    value,
    run: (part) => {
      const o = part as Record<string, unknown>;
      for (const key of Object.keys(o)) setOwn(value, key, o[key]);
    },
    big: (bytes, start, end) => {
      const { key, from } = memberKey(bytes, start, end);
      setOwn(value, key, parseRange(bytes, from, end, batch));
    },
  };
}

/** A member's key, and where its value starts (after the colon). */
function memberKey(bytes: Uint8Array, start: number, end: number): { key: string; from: number } {
  const i = skipSpace(bytes, start, end);
  if (bytes[i] !== QUOTE) throw syntaxError('Expected a string key', i);
  const j = stringEnd(bytes, i, end);
  if (j < 0) throw syntaxError('Unterminated string', i);
  const key = parseSlice(bytes, i, j + 1) as string;
  const k = skipSpace(bytes, j + 1, end);
  if (bytes[k] !== COLON) throw syntaxError('Expected \':\' after a key', k);
  return { key, from: k + 1 };
}

/**
 * Walks the container's children once (strings skipped, nesting counted) and hands runs of
 * them up to `batch` bytes to JSON.parse; a child longer than that is parsed on its own.
 */
function splitContainer(bytes: Uint8Array, start: number, end: number, batch: number, into: Container): unknown {
  const [open, close] = bytes[start] === OPEN_ARRAY ? ['[', ']'] : ['{', '}'];
  const from = start + 1;
  const to = end - 1;
  let runStart = from;
  let childStart = from;
  let depth = 0;
  let filled = false;
  let children = 0;
  const flush = (a: number, b: number) => { if (b > a) into.run(parseSlice(bytes, a, b, open, close)); };
  const child = (at: number) => {
    if (!filled) throw syntaxError('Empty value in a list', at);
    children++;
    if (at - childStart > batch) {
      flush(runStart, Math.max(runStart, childStart - 1));
      into.big(bytes, childStart, at);
      runStart = at + 1;
    } else if (at - runStart > batch) {
      flush(runStart, childStart - 1);
      runStart = childStart;
    }
    childStart = at + 1;
    filled = false;
  };
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if (b === QUOTE) {
      const j = stringEnd(bytes, i, to);
      if (j < 0) throw syntaxError('Unterminated string', i);
      i = j;
      filled = true;
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) { depth++; filled = true; }
    else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) { if (--depth < 0) throw syntaxError('Unexpected closing bracket', i); }
    else if (b === COMMA && depth === 0) child(i);
    else if (!isSpace(b)) filled = true;
  }
  if (depth !== 0) throw syntaxError('Unclosed bracket', start);
  if (filled || children > 0) child(to);
  flush(runStart, to);
  return into.value;
}
