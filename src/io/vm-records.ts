/**
 * The `vms` array of an instance read straight from its bytes, record by record, in the one
 * walk that also finds where the array ends (src/io/instance-pieces.ts). A record of the plain
 * shape is compiled without a parsed object: its name, group and image are printable ASCII
 * without escapes (so a string's text is its bytes), its demand lists resources that hosts
 * limit with positive JSON numbers, each once, its attributes are an object (flat ones built
 * here, others parsed), its sla an object of the schema's three keys. Such a record is one the
 * schema accepts and `VmCompiler.add` would compile exactly, and it is compiled as that would
 * compile it. Any other record (an escape, a non-ASCII byte, an x- or unknown key, a repeated
 * key, a zero or odd demand, anything the schema might refuse) is given back: it is parsed by
 * JSON.parse with its neighbours given back and goes through the schema check and `add`, as
 * before. A document that is not a JSON array of objects here gives up (the caller then parses
 * it whole, for its messages).
 */
import type { SlaDoc, VmDoc } from '../model/instance.js';
import type { VmCompiler } from '../model/model.js';
import { QUOTE, COMMA, COLON, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, skipSpace, stringEnd, textOf } from './json-bytes.js';
import type { SchemaValidator } from './schemas.js';
import { hashBytes, hashText, NameIndex, sameText } from './name-index.js';

const NOT_PLAIN = -1;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
/** Integers of up to this many digits are summed exactly (below 2^53); longer numerals go to Number(). */
const EXACT_DIGITS = 15;

const NAME = 1;
const DEMAND = 2;
const GROUP = 4;
const IMAGE = 8;
const SLA = 16;
const ATTRIBUTES = 32;

const isDigit = (b: number | undefined) => b !== undefined && b >= ZERO && b <= NINE;

/** End of a string opened at `i` (its closing quote) when it holds printable ASCII only, no escape; else -1. */
export function plainStringEnd(bytes: Uint8Array, i: number): number {
  for (let j = i + 1; j < bytes.length; j++) {
    const b = bytes[j]!;
    if (b === QUOTE) return j;
    if (b < 0x20 || b > 0x7e || b === BACKSLASH) return NOT_PLAIN;
  }
  return NOT_PLAIN;
}

/** End of the JSON numeral at `i` (its grammar checked: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?), or -1. */
export function numeralEnd(bytes: Uint8Array, i: number): number {
  let j = bytes[i] === MINUS ? i + 1 : i;
  if (bytes[j] === ZERO) j++;
  else if (isDigit(bytes[j])) while (isDigit(bytes[j])) j++;
  else return NOT_PLAIN;
  if (bytes[j] === DOT) {
    if (!isDigit(bytes[++j])) return NOT_PLAIN;
    while (isDigit(bytes[j])) j++;
  }
  if ((bytes[j] | 0x20) === 0x65) { // e or E
    j++;
    if (bytes[j] === 0x2b || bytes[j] === MINUS) j++;
    if (!isDigit(bytes[j])) return NOT_PLAIN;
    while (isDigit(bytes[j])) j++;
  }
  return j;
}

/** The value of a numeral [i, end) checked by numeralEnd, as JSON.parse gives it: short integers summed exactly, others by Number(), which rounds a decimal as JSON.parse does. */
export function numeralValue(bytes: Uint8Array, i: number, end: number): number {
  if (end - i <= EXACT_DIGITS) {
    let value = 0;
    let k = i;
    for (; k < end && isDigit(bytes[k]); k++) value = value * 10 + (bytes[k]! - ZERO);
    if (k === end) return value;
  }
  return Number(textOf(bytes, i, end));
}

/** Where the object or array opened at `i` closes (past its closing bracket), by depth only; JSON.parse checks the rest. -1 when it does not close. */
function containerEnd(bytes: Uint8Array, i: number): number {
  let depth = 0;
  for (let j = i; j < bytes.length; j++) {
    const b = bytes[j]!;
    if (b === QUOTE) {
      j = stringEnd(bytes, j, bytes.length);
      if (j < 0) return NOT_PLAIN;
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
    else if ((b === CLOSE_OBJECT || b === CLOSE_ARRAY) && --depth === 0) return j + 1;
  }
  return NOT_PLAIN;
}

/** A VM document's own key whose bytes are [start, end), or 0. */
function keyOf(bytes: Uint8Array, start: number, end: number): number {
  switch (end - start) {
    case 4: return sameText('name', bytes, start, end) ? NAME : 0;
    case 6: return sameText('demand', bytes, start, end) ? DEMAND : 0;
    case 5: return sameText('group', bytes, start, end) ? GROUP : sameText('image', bytes, start, end) ? IMAGE : 0;
    case 3: return sameText('sla', bytes, start, end) ? SLA : 0;
    case 10: return sameText('attributes', bytes, start, end) ? ATTRIBUTES : 0;
    default: return 0;
  }
}

/** Short strings made once from their bytes: the keys and values that repeat across records (attributes), as JSON.parse shares them. */
class Strings {
  private readonly byHash = new Map<number, string>();

  of(bytes: Buffer, start: number, end: number): string {
    const h = hashBytes(bytes, start, end);
    const known = this.byHash.get(h);
    if (known !== undefined && sameText(known, bytes, start, end)) return known;
    const text = bytes.toString('latin1', start, end);
    if (this.byHash.size < 4096) this.byHash.set(h, text);
    return text;
  }
}

/** A record's fields, as the walk finds them. */
interface Fields {
  seen: number;
  nameStart: number;
  nameEnd: number;
  group: string | undefined;
  image: string | undefined;
  sla: SlaDoc | undefined;
  attributes: Record<string, unknown> | undefined;
}

/** Runs of given-back records: byte ranges of consecutive records, the first one's index, how many. */
interface GivenBack { starts: number[]; ends: number[]; firsts: number[]; counts: number[]; bytes: number }

/** What reading the vms array found: the VMs compiled, the resources none demands, where the array ends. */
export interface ReadVms {
  readonly vms: VmCompiler;
  readonly count: number;
  readonly vmIndex: NameIndex;
  readonly undemanded: Set<string>;
  readonly end: number;
}

/** Reads one instance's `vms` array into a VmCompiler (see the module's comment). */
export class VmRecordReader {
  private readonly R: number;
  private readonly demanded: Uint8Array;
  private readonly strings = new Strings();
  /** Flat attribute objects by the hash of their bytes (see attributes()). */
  private readonly flats = new Map<number, { text: string; object: Readonly<Record<string, unknown>> }>();
  private readonly fields: Fields = { seen: 0, nameStart: 0, nameEnd: 0, group: undefined, image: undefined, sla: undefined, attributes: undefined };
  private given: GivenBack = { starts: [], ends: [], firsts: [], counts: [], bytes: 0 };
  /** Each VM's name hash (hashText), taken from the bytes while they are at hand. */
  private nameHashes = new Int32Array(1024);

  /** `batch`: bytes of given-back records parsed at a time; `giveUp` throws (the caller parses the whole document). */
  constructor(
    private readonly bytes: Buffer, private readonly resources: readonly string[], private readonly vms: VmCompiler,
    private readonly schemas: SchemaValidator, private readonly batch: number, private readonly giveUp: () => never,
  ) {
    this.R = resources.length;
    this.demanded = new Uint8Array(this.R);
  }

  /** Reads the array opened at `start`: every record compiled, names indexed (a repeated name gives up). */
  read(start: number): ReadVms {
    const { bytes } = this;
    if (bytes[start] !== OPEN_ARRAY) this.giveUp();
    let i = skipSpace(bytes, start + 1, bytes.length);
    let v = 0;
    if (bytes[i] !== CLOSE_ARRAY) {
      for (;; v++) {
        if (bytes[i] !== OPEN_OBJECT) this.giveUp();
        i = this.record(i, v);
        i = skipSpace(bytes, i, bytes.length);
        if (bytes[i] === CLOSE_ARRAY) { v++; break; }
        if (bytes[i] !== COMMA) this.giveUp();
        i = skipSpace(bytes, i + 1, bytes.length);
      }
    }
    this.flush();
    this.vms.trim(v);
    return { vms: this.vms, count: v, vmIndex: this.nameIndex(v), undemanded: this.undemanded(), end: i + 1 };
  }

  /** VM `v`'s record at `i`, compiled or given back; where it ends. */
  private record(i: number, v: number): number {
    this.vms.reserve(v + 1);
    if (v === this.nameHashes.length) {
      const grown = new Int32Array(2 * v);
      grown.set(this.nameHashes);
      this.nameHashes = grown;
    }
    const end = this.plainRecord(i, v);
    if (end !== NOT_PLAIN) {
      // Noted only now: a record given back after its demand was read (a repeated key) may demand other resources.
      const row = v * this.R;
      for (let r = 0; r < this.R; r++) if (this.vms.demand[row + r] !== 0) this.demanded[r] = 1;
      const f = this.fields;
      this.nameHashes[v] = hashBytes(this.bytes, f.nameStart, f.nameEnd);
      this.vms.addPlain(v, this.bytes.toString('latin1', f.nameStart, f.nameEnd), f.group, f.image, f.sla, f.attributes);
      return end;
    }
    this.vms.clearRow(v);
    const skipped = containerEnd(this.bytes, i);
    if (skipped < 0) this.giveUp();
    this.giveBack(i, skipped, v);
    return skipped;
  }

  /** Reads a plain record (its demand into row v), or -1. */
  private plainRecord(i: number, v: number): number {
    const { bytes } = this;
    const f = this.fields;
    f.seen = 0;
    f.group = f.image = f.sla = f.attributes = undefined;
    let j = skipSpace(bytes, i + 1, bytes.length);
    if (bytes[j] !== QUOTE) return NOT_PLAIN;
    for (;;) {
      const keyEnd = plainStringEnd(bytes, j);
      if (keyEnd < 0) return NOT_PLAIN;
      const key = keyOf(bytes, j + 1, keyEnd);
      if (key === 0 || (f.seen & key) !== 0) return NOT_PLAIN;
      f.seen |= key;
      j = skipSpace(bytes, keyEnd + 1, bytes.length);
      if (bytes[j] !== COLON) return NOT_PLAIN;
      j = this.field(key, skipSpace(bytes, j + 1, bytes.length), v);
      if (j < 0) return NOT_PLAIN;
      j = skipSpace(bytes, j, bytes.length);
      if (bytes[j] === CLOSE_OBJECT) return (f.seen & NAME) !== 0 ? j + 1 : NOT_PLAIN;
      if (bytes[j] !== COMMA) return NOT_PLAIN;
      j = skipSpace(bytes, j + 1, bytes.length);
      if (bytes[j] !== QUOTE) return NOT_PLAIN;
    }
  }

  /** The value of a record's field at `j`, noted; where it ends, or -1. */
  private field(key: number, j: number, v: number): number {
    const { bytes } = this;
    const f = this.fields;
    if (key === DEMAND) return this.demand(j, v);
    if (key === SLA) return this.sla(j);
    if (key === ATTRIBUTES) return this.attributes(j);
    if (bytes[j] !== QUOTE) return NOT_PLAIN;
    const end = plainStringEnd(bytes, j);
    // the schema's minLength 1 for name and group
    if (end < 0 || (end === j + 1 && key !== IMAGE)) return NOT_PLAIN;
    if (key === NAME) { f.nameStart = j + 1; f.nameEnd = end; }
    else if (key === GROUP) f.group = this.strings.of(bytes, j + 1, end);
    else f.image = this.strings.of(bytes, j + 1, end);
    return end + 1;
  }

  /** A demand of positive finite amounts of known resources, each once, at least one, written into row v; or -1. */
  private demand(j: number, v: number): number {
    const { bytes, R } = this;
    if (bytes[j] !== OPEN_OBJECT) return NOT_PLAIN;
    const row = v * R;
    const demand = this.vms.demand;
    let listed = 0;
    j = skipSpace(bytes, j + 1, bytes.length);
    for (;;) {
      if (bytes[j] !== QUOTE) return NOT_PLAIN;
      const keyEnd = plainStringEnd(bytes, j);
      if (keyEnd < 0) return NOT_PLAIN;
      const r = this.columnOf(j + 1, keyEnd, listed);
      // a second listing of r: JSON.parse keeps the last, the give-back path sorts it out
      if (r < 0 || demand[row + r] !== 0) return NOT_PLAIN;
      j = skipSpace(bytes, keyEnd + 1, bytes.length);
      if (bytes[j] !== COLON) return NOT_PLAIN;
      j = skipSpace(bytes, j + 1, bytes.length);
      const end = numeralEnd(bytes, j);
      if (end < 0) return NOT_PLAIN;
      const amount = numeralValue(bytes, j, end);
      if (!(amount > 0 && amount < Infinity)) return NOT_PLAIN;
      demand[row + r] = amount;
      listed++;
      j = skipSpace(bytes, end, bytes.length);
      if (bytes[j] === CLOSE_OBJECT) return j + 1;
      if (bytes[j] !== COMMA) return NOT_PLAIN;
      j = skipSpace(bytes, j + 1, bytes.length);
    }
  }

  /** The column of the resource named by bytes [start, end) (the `guess`th tried first: records list them alike), or -1. */
  private columnOf(start: number, end: number, guess: number): number {
    const { resources, R } = this;
    for (let k = 0; k < R; k++) {
      const r = (guess + k) % R;
      if (sameText(resources[r]!, this.bytes, start, end)) return r;
    }
    return NOT_PLAIN;
  }

  /** An sla of the schema's keys with the schema's types, parsed; or -1. */
  private sla(j: number): number {
    if (this.bytes[j] !== OPEN_OBJECT) return NOT_PLAIN;
    const end = containerEnd(this.bytes, j);
    if (end < 0) return NOT_PLAIN;
    const sla = JSON.parse(textOf(this.bytes, j, end)) as Record<string, unknown>;
    for (const key in sla) {
      const value = sla[key];
      const fits = key === 'maxDowntimeMs' ? typeof value === 'number' && value > 0 && value < Infinity
        : (key === 'cold' || key === 'shelve') && typeof value === 'boolean';
      if (!fits) return NOT_PLAIN;
    }
    this.fields.sla = sla;
    return end;
  }

  /** Attributes: an object, built here when flat and plain, else parsed. */
  private attributes(j: number): number {
    const { bytes } = this;
    if (bytes[j] !== OPEN_OBJECT) return NOT_PLAIN;
    const end = containerEnd(bytes, j);
    if (end < 0) return NOT_PLAIN;
    // records repeat their attributes: a copy of the flat object last built from the same bytes
    const hash = hashBytes(bytes, j, end);
    const known = this.flats.get(hash);
    if (known !== undefined && sameText(known.text, bytes, j, end)) {
      this.fields.attributes = { ...known.object };
      return end;
    }
    const attributes: Record<string, unknown> = {};
    if (this.flatObject(j, attributes) === end) {
      if (this.flats.size < 4096) this.flats.set(hash, { text: bytes.toString('latin1', j, end), object: { ...attributes } });
      this.fields.attributes = attributes;
      return end;
    }
    this.fields.attributes = JSON.parse(textOf(bytes, j, end)) as Record<string, unknown>;
    return end;
  }

  /** Members of the object at `j` into `into` when their keys are plain (not "__proto__") and values plain strings, numbers, true, false or null; else -1. */
  private flatObject(j: number, into: Record<string, unknown>): number {
    const { bytes } = this;
    j = skipSpace(bytes, j + 1, bytes.length);
    if (bytes[j] === CLOSE_OBJECT) return j + 1;
    for (;;) {
      if (bytes[j] !== QUOTE) return NOT_PLAIN;
      const keyEnd = plainStringEnd(bytes, j);
      if (keyEnd < 0 || sameText('__proto__', bytes, j + 1, keyEnd)) return NOT_PLAIN;
      const key = this.strings.of(bytes, j + 1, keyEnd);
      j = skipSpace(bytes, keyEnd + 1, bytes.length);
      if (bytes[j] !== COLON) return NOT_PLAIN;
      j = this.scalar(skipSpace(bytes, j + 1, bytes.length), key, into);
      if (j < 0) return NOT_PLAIN;
      j = skipSpace(bytes, j, bytes.length);
      if (bytes[j] === CLOSE_OBJECT) return j + 1;
      if (bytes[j] !== COMMA) return NOT_PLAIN;
      j = skipSpace(bytes, j + 1, bytes.length);
    }
  }

  /** A plain string, number or literal at `j` set as into[key]; where it ends, or -1. */
  private scalar(j: number, key: string, into: Record<string, unknown>): number {
    const { bytes } = this;
    const b = bytes[j];
    if (b === QUOTE) {
      const end = plainStringEnd(bytes, j);
      if (end < 0) return NOT_PLAIN;
      into[key] = this.strings.of(bytes, j + 1, end);
      return end + 1;
    }
    if (b === MINUS || isDigit(b)) {
      const end = numeralEnd(bytes, j);
      if (end < 0) return NOT_PLAIN;
      into[key] = numeralValue(bytes, j, end);
      return end;
    }
    for (const [text, value] of LITERALS) {
      if (sameText(text, bytes, j, Math.min(j + text.length, bytes.length))) { into[key] = value; return j + text.length; }
    }
    return NOT_PLAIN;
  }

  private giveBack(start: number, end: number, v: number): void {
    const g = this.given;
    const last = g.firsts.length - 1;
    if (last >= 0 && g.firsts[last]! + g.counts[last]! === v) {
      g.ends[last] = end;
      g.counts[last]!++;
    } else {
      g.starts.push(start); g.ends.push(end); g.firsts.push(v); g.counts.push(1);
    }
    g.bytes += end - start;
    if (g.bytes >= this.batch) this.flush();
  }

  /** The given-back records parsed together, checked by the schema and compiled by `add`. */
  private flush(): void {
    const g = this.given;
    if (g.firsts.length === 0) return;
    this.given = { starts: [], ends: [], firsts: [], counts: [], bytes: 0 };
    const texts = g.starts.map((s, k) => textOf(this.bytes, s, g.ends[k]!));
    const docs = JSON.parse(`[${texts.join(',')}]`) as VmDoc[];
    const count = g.counts.reduce((a, b) => a + b, 0);
    if (docs.length !== count || !this.schemas.valid('instance', { hosts: [], vms: docs, placement: {} })) this.giveUp();
    let d = 0;
    g.firsts.forEach((first, k) => {
      for (let v = first; v < first + g.counts[k]!; v++) {
        const doc = docs[d++]!;
        // a demand of a resource no host limits: an error, or a resource only `resources` lists
        if (!this.vms.add(doc, v)) this.giveUp();
        this.nameHashes[v] = hashText(doc.name);
        for (const r in doc.demand) this.noteDemanded(r);
      }
    });
  }

  private noteDemanded(resource: string): void {
    const r = this.resources.indexOf(resource);
    if (r >= 0) this.demanded[r] = 1;
  }

  /** Name -> index in index order, as the whole document's check builds it; a repeated name gives up. */
  private nameIndex(count: number): NameIndex {
    const infos = this.vms.infos;
    const index = new NameIndex(infos, count);
    for (let v = 0; v < count; v++) if (!index.add(v, this.nameHashes[v]!)) this.giveUp();
    return index;
  }

  private undemanded(): Set<string> {
    return new Set(this.resources.filter((_, r) => this.demanded[r] === 0));
  }
}

const LITERALS: ReadonlyArray<readonly [string, unknown]> = [['true', true], ['false', false], ['null', null]];
