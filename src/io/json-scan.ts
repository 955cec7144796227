/**
 * One pass over a JSON document's bytes that finds the members of its root object and, inside
 * each member's container value, commas between children where the value may be cut into
 * pieces of about `batch` bytes, without parsing anything. It checks only the structure it
 * walks (strings, brackets, the root's colons and commas): each piece is then parsed by
 * JSON.parse, which checks the rest, so that the pieces together say what JSON.parse on the
 * whole text would (src/io/instance-pieces.ts). Anything this scan does not expect gives
 * undefined: the caller then parses the whole document, for its exact messages.
 */
import { QUOTE, COMMA, COLON, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, isSpace, skipSpace, stringEnd } from './json-bytes.js';

/** A member of the root object: its key's bytes, its value's, and where a container value may be cut. */
export interface RootMember {
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly start: number;
  readonly end: number;
  /** Commas between children of a container value (one at most every `batch` bytes). */
  readonly cuts: number[];
  /** Children of a container value (commas between children, plus one unless it is empty). */
  children: number;
}

/**
 * Reads a member's value itself instead of the scan (given the members before it): where the
 * value ends, or undefined to let the scan walk it.
 */
export type ValueReader = (member: RootMember, before: readonly RootMember[]) => number | undefined;

/** The root object's members in document order, or undefined when the bytes are not a JSON object as this scan walks it. */
export function scanRoot(bytes: Uint8Array, batch: number, read?: ValueReader): RootMember[] | undefined {
  const n = bytes.length;
  let i = skipSpace(bytes, 0, n);
  if (bytes[i] !== OPEN_OBJECT) return undefined;
  const members: RootMember[] = [];
  i = skipSpace(bytes, i + 1, n);
  if (bytes[i] === CLOSE_OBJECT) return skipSpace(bytes, i + 1, n) === n ? members : undefined;
  for (;;) {
    if (bytes[i] !== QUOTE) return undefined;
    const keyEnd = stringEnd(bytes, i, n) + 1;
    if (keyEnd === 0) return undefined;
    const colon = skipSpace(bytes, keyEnd, n);
    if (bytes[colon] !== COLON) return undefined;
    const start = skipSpace(bytes, colon + 1, n);
    const member: RootMember = { keyStart: i, keyEnd, start, end: -1, cuts: [], children: 0 };
    const end = read?.(member, members) ?? valueEnd(bytes, member, batch);
    if (end < 0) return undefined;
    members.push({ ...member, end });
    i = skipSpace(bytes, end, n);
    if (bytes[i] === CLOSE_OBJECT) return skipSpace(bytes, i + 1, n) === n ? members : undefined;
    if (bytes[i] !== COMMA) return undefined;
    i = skipSpace(bytes, i + 1, n);
  }
}

/** Where the value starting at member.start ends (its cuts and children noted), or -1. */
function valueEnd(bytes: Uint8Array, member: RootMember, batch: number): number {
  const open = bytes[member.start];
  if (open === OPEN_ARRAY || open === OPEN_OBJECT) return containerEnd(bytes, member, batch);
  return scalarEnd(bytes, member.start);
}

/** A string, number or literal: up to the root's next comma or closing brace (JSON.parse checks it). */
function scalarEnd(bytes: Uint8Array, start: number): number {
  const n = bytes.length;
  if (bytes[start] === QUOTE) {
    const end = stringEnd(bytes, start, n);
    return end < 0 ? -1 : end + 1;
  }
  let i = start;
  while (i < n && bytes[i] !== COMMA && bytes[i] !== CLOSE_OBJECT && !isSpace(bytes[i])) i++;
  return i > start ? i : -1;
}

function containerEnd(bytes: Uint8Array, member: RootMember, batch: number): number {
  const n = bytes.length;
  const close = bytes[member.start] === OPEN_ARRAY ? CLOSE_ARRAY : CLOSE_OBJECT;
  let depth = 0;
  let last = member.start;
  let commas = 0;
  let filled = false;
  for (let i = member.start; i < n; i++) {
    const b = bytes[i]!;
    if (b === QUOTE) {
      i = stringEnd(bytes, i, n);
      if (i < 0) return -1;
      filled = true;
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (depth++ > 0) filled = true;
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      if (--depth === 0) {
        if (b !== close) return -1;
        member.children = commas + (filled || commas > 0 ? 1 : 0);
        return i + 1;
      }
    } else if (depth === 1) {
      if (b === COMMA) {
        commas++;
        if (i - last >= batch) { member.cuts.push(i); last = i; }
      } else if (!isSpace(b)) filled = true;
    }
  }
  return -1;
}

/**
 * The children of an object's piece (its members between two cuts, without braces) as one
 * array of keys and values, [key, value, key, value...]: parsed as an array, a large map's keys
 * are neither interned nor put in a dictionary. Undefined when the piece is not a list of
 * members (the separators at its top level must be colon, comma, colon..., ending on a colon's
 * value), so that the array says exactly what the members would.
 */
export function parseMembersAsPairs(bytes: Uint8Array, start: number, end: number): unknown[] | undefined {
  const copy = Buffer.allocUnsafe(end - start + 2);
  copy[0] = OPEN_ARRAY;
  copy.set(bytes.subarray(start, end), 1);
  const last = copy.length - 1;
  copy[last] = CLOSE_ARRAY;
  let depth = 0;
  let colons = 0;
  let expectColon = true;
  for (let i = 1; i < last; i++) {
    const b = copy[i]!;
    if (b === QUOTE) {
      i = stringEnd(copy, i, last);
      if (i < 0) return undefined;
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
    else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) depth--;
    else if (depth === 0 && (b === COLON || b === COMMA)) {
      if ((b === COLON) !== expectColon) return undefined;
      if (b === COLON) { copy[i] = COMMA; colons++; }
      expectColon = !expectColon;
    }
  }
  if (expectColon) return undefined;
  let pairs: unknown;
  try {
    pairs = JSON.parse(copy.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(pairs) || pairs.length !== 2 * colons) return undefined;
  for (let k = 0; k < pairs.length; k += 2) if (typeof pairs[k] !== 'string') return undefined;
  return pairs;
}
