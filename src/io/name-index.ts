/**
 * Name -> index of a million VMs without a Map: a Map of fresh strings hashes each one in
 * V8's runtime and rehashes as it grows, about a second at 1.3 M names, most of loading them.
 * Here the reader of VM records hashes a plain name's bytes as it walks them (32-bit FNV-1a of
 * the char codes: for ASCII, of the bytes), and names go into an open-addressing table sized
 * once. It is a ReadonlyMap in index order, which is the order a Map filled VM by VM keeps.
 */

/** 32-bit FNV-1a of a text's char codes (UTF-16 units): for a plain ASCII name, equal to hashBytes of its bytes. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h;
}

export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let k = start; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  return h;
}

/** Whether bytes [start, end) are the text's char codes (a plain name's). */
export function sameText(name: string, bytes: Uint8Array, start: number, end: number): boolean {
  if (name.length !== end - start) return false;
  for (let k = 0; k < name.length; k++) if (name.charCodeAt(k) !== bytes[start + k]) return false;
  return true;
}

export class NameIndex implements ReadonlyMap<string, number> {
  /** Per slot, interleaved (one cache line for both): index + 1 of the name there (0: empty), the name's hash. */
  private readonly table: Int32Array;
  private readonly mask: number;
  private count = 0;

  /** For up to `capacity` names, those of `items` (by index); iterated in index order, so every index below size() must be added. */
  constructor(private readonly items: ReadonlyArray<{ readonly name: string }>, capacity: number) {
    let size = 16;
    while (size < 2 * capacity) size *= 2;
    this.table = new Int32Array(2 * size);
    this.mask = size - 1;
  }

  /** Indexes items[i] under its name, whose hash is `hash` (hashText); false when the name is already there. */
  add(i: number, hash: number): boolean {
    const { table, mask } = this;
    const name = this.items[i]!.name;
    let p = hash & mask;
    for (let s = table[2 * p]!; s !== 0; s = table[2 * p]!) {
      if (table[2 * p + 1] === hash && this.items[s - 1]!.name === name) return false;
      p = (p + 1) & mask;
    }
    table[2 * p] = i + 1;
    table[2 * p + 1] = hash;
    this.count++;
    return true;
  }

  get(name: string): number | undefined {
    if (typeof name !== 'string') return undefined;
    const { table, mask } = this;
    const hash = hashText(name);
    let p = hash & mask;
    for (let s = table[2 * p]!; s !== 0; s = table[2 * p]!) {
      if (table[2 * p + 1] === hash && this.items[s - 1]!.name === name) return s - 1;
      p = (p + 1) & mask;
    }
    return undefined;
  }

  /** The index of the name whose bytes are [start, end) (plain ASCII), without making a string. */
  findBytes(bytes: Uint8Array, start: number, end: number): number | undefined {
    const { table, mask } = this;
    const hash = hashBytes(bytes, start, end);
    let p = hash & mask;
    for (let s = table[2 * p]!; s !== 0; s = table[2 * p]!) {
      if (table[2 * p + 1] === hash && sameText(this.items[s - 1]!.name, bytes, start, end)) return s - 1;
      p = (p + 1) & mask;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  get size(): number {
    return this.count;
  }

  /** In index order (names were added so, each once). */
  *entries(): MapIterator<[string, number]> {
    for (let i = 0; i < this.count; i++) yield [this.items[i]!.name, i];
  }

  *keys(): MapIterator<string> {
    for (let i = 0; i < this.count; i++) yield this.items[i]!.name;
  }

  *values(): MapIterator<number> {
    for (let i = 0; i < this.count; i++) yield i;
  }

  [Symbol.iterator](): MapIterator<[string, number]> {
    return this.entries();
  }

  forEach(callback: (value: number, key: string, map: ReadonlyMap<string, number>) => void, thisArg?: unknown): void {
    for (let i = 0; i < this.count; i++) callback.call(thisArg, i, this.items[i]!.name, this);
  }
}
