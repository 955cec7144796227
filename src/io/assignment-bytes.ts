/**
 * An assignment's piece ("vm":"host" members, between cuts) read straight from its bytes when
 * every key and value is plain printable ASCII (no escape, no quote): then a string's text is
 * its bytes, and names are matched byte by byte against the VMs expected next, the host just
 * seen, or the host of the same hash, without making a string for either. JSON.parse makes each string of up to 10
 * characters (a VM's or host's usual name) an interned one, looked up in V8's string table:
 * most of the time parsing an assignment took. Anything else (an x- key, an escape, another
 * value) returns false, and the caller reads the piece exactly (as pairs, json-scan.ts); a
 * VM or host not found throws, as the exact reading would give up on it.
 */
import { QUOTE, COLON, COMMA, skipSpace } from './json-bytes.js';
import type { VmInfo } from '../model/model.js';
import { hashText, NameIndex, sameText } from './name-index.js';

const LOOKAHEAD = 8;

/** Hosts found by their name's bytes (hash, then the name compared), without making a string; the name map when that misses. */
export class HostsByBytes {
  private readonly byBytes: NameIndex;

  constructor(names: readonly string[], private readonly index: ReadonlyMap<string, number>) {
    const items = names.map((name) => ({ name }));
    this.byBytes = new NameIndex(items, names.length);
    // a repeated name keeps its first index, as `index` does (the loader refuses it anyway)
    for (let h = 0; h < names.length; h++) this.byBytes.add(h, hashText(names[h]!));
  }

  find(bytes: Buffer, start: number, end: number): number | undefined {
    return this.byBytes.findBytes(bytes, start, end) ?? this.index.get(bytes.toString('latin1', start, end));
  }
}

export interface AssignmentTarget {
  readonly infos: readonly VmInfo[];
  readonly vmIndex: NameIndex;
  readonly hosts: HostsByBytes;
  /** Each VM's host, written here. */
  readonly at: Int32Array;
  /** The VM expected next (after the last one assigned). */
  next: number;
}

/** End of a plain string opened at `i` (its closing quote), or -1 when it holds anything but printable ASCII. */
function plainEnd(bytes: Uint8Array, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const b = bytes[j]!;
    if (b === QUOTE) return j;
    if (b < 0x20 || b > 0x7e || b === 0x5c) return -1;
  }
  return -1;
}

function sameBytes(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (bytes[a + k] !== bytes[b + k]) return false;
  return true;
}

function vmOf(t: AssignmentTarget, bytes: Buffer, start: number, end: number, unknown: () => never): number {
  const last = Math.min(t.infos.length, t.next + LOOKAHEAD);
  for (let v = t.next; v < last; v++) if (sameText(t.infos[v]!.name, bytes, start, end)) return v;
  return t.vmIndex.findBytes(bytes, start, end) ?? unknown();
}

/**
 * Assigns the members of bytes [start, end) when they are all plain; false (nothing
 * assigned that the exact reading would not assign again) otherwise.
 */
export function assignPlain(bytes: Buffer, start: number, end: number, t: AssignmentTarget, unknown: () => never): boolean {
  let hostStart = -1;
  let hostLength = 0;
  let hostAt = -1;
  let i = start;
  let members = 0;
  for (;;) {
    i = skipSpace(bytes, i, end);
    if (bytes[i] !== QUOTE || i >= end) return false;
    const keyEnd = plainEnd(bytes, i, end);
    // an x- key goes to the extras: the exact reading handles it
    if (keyEnd < 0 || (bytes[i + 1] === 0x78 && bytes[i + 2] === 0x2d)) return false;
    let j = keyEnd + 1;
    j = skipSpace(bytes, j, end);
    if (bytes[j] !== COLON) return false;
    j++;
    j = skipSpace(bytes, j, end);
    if (bytes[j] !== QUOTE) return false;
    const valueEnd = plainEnd(bytes, j, end);
    if (valueEnd < 0) return false;
    const length = valueEnd - j - 1;
    if (length === 0) unknown();
    if (length !== hostLength || !sameBytes(bytes, hostStart, j + 1, length)) {
      hostAt = t.hosts.find(bytes, j + 1, valueEnd) ?? unknown();
      hostStart = j + 1;
      hostLength = length;
    }
    const v = vmOf(t, bytes, i + 1, keyEnd, unknown);
    t.at[v] = hostAt;
    t.next = v + 1;
    members++;
    i = valueEnd + 1;
    i = skipSpace(bytes, i, end);
    if (i >= end) return members > 0;
    if (bytes[i] !== COMMA) return false;
    i++;
  }
}
