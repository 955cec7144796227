/** The bytes of JSON's structure, for the readers that cut or read a document as bytes (json-split, json-scan, assignment-bytes). */
export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;

/** JSON's four whitespace bytes (undefined, past the end, is not one). */
export const isSpace = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Where the string opened at `i` closes (its closing quote), or -1 before `end`. */
export function stringEnd(bytes: Uint8Array, i: number, end: number): number {
  let j = i + 1;
  while (j < end && bytes[j] !== QUOTE) j += bytes[j] === BACKSLASH ? 2 : 1;
  return j < end ? j : -1;
}

/** The first byte at or after `i` that is not whitespace (or `end`). */
export function skipSpace(bytes: Uint8Array, i: number, end: number): number {
  while (i < end && isSpace(bytes[i])) i++;
  return i;
}

/** The UTF-8 text of bytes [start, end), decoded without copying the bytes first. */
export function textOf(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}
