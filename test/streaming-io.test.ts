/**
 * Large documents: instances are read as a stream of bytes (gzip by magic number, a
 * streaming parser past a size), plans written as a stream; both give exactly what
 * JSON.parse and JSON.stringify give.
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readDocument } from '../src/io/read.js';
import { InputError } from '../src/io/errors.js';
import { jsonChunks, jsonPieces, writeJson, writeJsonFile } from '../src/io/json-stream.js';
import { writeAtomic } from '../src/io/write.js';
import { readdirSync } from 'node:fs';
import { planMigrations } from '../src/api.js';
import { generateCloud } from '../bench/generate.js';

const dir = mkdtempSync(join(tmpdir(), 'shunt-stream-'));
const CLI = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
let files = 0;
const file = (name: string, content: string | Buffer) => {
  const f = join(dir, `${files++}-${name}`);
  writeFileSync(f, content);
  return f;
};

/** JSON values with some large arrays and objects, so that containers are split into pieces. */
const documents = fc.oneof(
  fc.jsonValue(),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 60, maxLength: 200 }),
  fc.dictionary(fc.string(), fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 50, maxLength: 120 }), { minKeys: 1, maxKeys: 80 }),
);

async function issueOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).issues.map((i) => `${i.path}: ${i.message}`).join('\n');
  }
  throw new Error('no error');
}

describe('streamed JSON text', () => {
  it('is JSON.stringify\'s text, indented or not', () => {
    fc.assert(fc.property(documents, fc.constantFrom(0, 2), (value, indent) => {
      expect([...jsonChunks(value, indent)].join('')).toBe(JSON.stringify(value, null, indent) + '\n');
    }), { numRuns: 200 });
  });

  it('never holds a large document in one piece, however few keys its first levels have', () => {
    const migrations = Array.from({ length: 20_000 }, (_, i) => ({ vm: `vm-${i}`, from: 'a', to: 'b', after: [i - 1] }));
    const plan = { status: 'optimal', waves: [{ migrations }], stats: { waves: 1 } };
    const pieces = [...jsonPieces(plan, 2)];
    const longest = Math.max(...pieces.map((p) => p.length));
    // runs of migrations are written by one JSON.stringify call: bounded pieces, many of them
    expect(longest).toBeLessThan(256 * 1024);
    expect(pieces.join('').length).toBeGreaterThan(20 * longest);
    expect([...jsonChunks(plan, 2)].length).toBeGreaterThan(1);
  });

  it('is JSON.stringify\'s text for long arrays mixing small items, holes and large containers, at every depth', () => {
    const item = (i: number): unknown => [undefined, null, i, `s${i}`, { a: i, b: [i, { c: 'x\ny' }] }, [], {}, Array.from({ length: 70 }, (_, j) => j)][i % 8];
    const long = Array.from({ length: 1500 }, (_, i) => item(i));
    const nested = { a: { b: { c: long, d: [long, long.slice(0, 600)] } }, e: long };
    for (const value of [long, nested, [nested, long]]) {
      for (const indent of [0, 2, 4]) expect([...jsonChunks(value, indent)].join('')).toBe(JSON.stringify(value, null, indent) + '\n');
    }
  });

  it('writes a plan to a stream and to a file as JSON.stringify would', async () => {
    const { plan } = await planMigrations(generateCloud({ hosts: 40, seed: 2 }), { source: 'stream' });
    const out = new PassThrough();
    const parts: Buffer[] = [];
    out.on('data', (b: Buffer) => parts.push(b));
    await writeJson(out, plan);
    const expected = JSON.stringify(plan, null, 2) + '\n';
    expect(Buffer.concat(parts).toString()).toBe(expected);
    const f = join(dir, 'plan.json');
    await writeJsonFile(f, plan);
    expect(readFileSync(f, 'utf8')).toBe(expected);
  });
});

describe('reading an instance', () => {
  it('gives JSON.parse\'s value, parsed at once, in pieces or by the streaming parser, plain or gzipped', async () => {
    await fc.assert(fc.asyncProperty(documents, async (value) => {
      const text = JSON.stringify(value);
      const plain = file('doc.json', text);
      const zipped = file('doc.json.gz', gzipSync(text));
      const expected = JSON.parse(text) as unknown;
      for (const f of [plain, zipped]) {
        expect(await readDocument(f)).toEqual(expected);
        expect(await readDocument(f, 0)).toEqual(expected);
        expect(await readDocument(f, undefined, 7)).toEqual(expected);
      }
    }), { numRuns: 60 });
  });

  it('recognises gzip by its magic number whatever the name', async () => {
    const f = file('instance.json', gzipSync('{"a": [1, 2, "ü"]}'));
    expect(await readDocument(f)).toEqual({ a: [1, 2, 'ü'] });
  });

  it('reports invalid JSON, truncated gzip data, a .gz name without gzip data and a missing file', async () => {
    const broken = '{"hosts": [1, 2';
    expect(await issueOf(readDocument(file('broken.json', broken)))).toMatch(/^: not valid JSON/);
    expect(await issueOf(readDocument(file('broken.json', broken), 0))).toMatch(/^: not valid JSON/);
    expect(await issueOf(readDocument(file('two.json', '{} {}'), 0))).toMatch(/^: not valid JSON/);
    expect(await issueOf(readDocument(file('broken.json', broken), undefined, 4))).toMatch(/^: not valid JSON: .* at byte \d+$/);
    expect(await issueOf(readDocument(file('cut.json.gz', gzipSync('{"a": 1}').subarray(0, 12))))).toMatch(/^: not valid gzip data/);
    expect(await issueOf(readDocument(file('plain.json.gz', '{"a": 1}')))).toMatch(/^: named \.gz but not gzip data/);
    expect(await issueOf(readDocument(join(dir, 'absent.json')))).toBe(': no such file');
  });

  it('plans a gzipped instance from the command line, and names the file in errors (exit 2)', () => {
    const doc = JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'swap.json'), 'utf8')) as Record<string, unknown>;
    const zipped = file('swap.json.gz', gzipSync(JSON.stringify(doc)));
    const ok = spawnSync(process.execPath, [CLI, 'plan', zipped, '--json'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as { status: string }).status).toBe('optimal');
    const bad = file('bad.json.gz', gzipSync(JSON.stringify({ ...doc, hosts: [{ name: 'h1', capacity: { ram: 'lots' } }] })));
    const r = spawnSync(process.execPath, [CLI, 'plan', bad], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}: /hosts/0/capacity/ram: must be number (got "lots")`);
  });
});

describe('writing a document in pieces atomically', () => {
  it('writes every piece in order through a temporary file, and leaves nothing when producing a piece fails', () => {
    const out = mkdtempSync(join(tmpdir(), 'shunt-atomic-'));
    const f = join(out, 'plan.json');
    writeAtomic(f, ['{"a": ', 'ü'.repeat(300_000), '}\n']);
    expect(readFileSync(f, 'utf8')).toBe('{"a": ' + 'ü'.repeat(300_000) + '}\n');
    function* failing(): Generator<string> { yield 'half'; throw new RangeError('cannot stringify'); }
    expect(() => writeAtomic(f, failing())).toThrow(RangeError);
    expect(readFileSync(f, 'utf8')).toBe('{"a": ' + 'ü'.repeat(300_000) + '}\n'); // the old file stays whole
    expect(readdirSync(out)).toEqual(['plan.json']);
  });
});
