/**
 * Loading an instance from its bytes piece by piece (src/io/instance-pieces.ts): the model is
 * the one compiled from the whole parsed document, wherever the pieces are cut; whatever the
 * pieces path does not accept is loaded from the whole document, with the same messages.
 */
import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc } from '../src/model/instance.js';
import { compileModel, type Model } from '../src/model/model.js';
import { compileInstanceBytes } from '../src/io/instance-pieces.js';
import { parseMembersAsPairs } from '../src/io/json-scan.js';
import { SchemaValidator } from '../src/io/schemas.js';
import { resourceWarnings } from '../src/io/validate-instance.js';
import { readDocument, readInstance, InstanceBytes } from '../src/io/read.js';
import { loadInstance } from '../src/api.js';
import { generateCloud } from '../bench/generate.js';

const schemas = new SchemaValidator();
const dir = mkdtempSync(join(tmpdir(), 'shunt-pieces-'));
let files = 0;
const file = (text: string) => {
  const f = join(dir, `${files++}.json`);
  writeFileSync(f, text);
  return f;
};

/** Everything a model says, as plain data. */
function view(model: Model) {
  return {
    resources: model.resources, hosts: model.hosts, vms: model.vms,
    capacity: [...model.capacity], reserved: [...model.reserved], allocationRatio: [...model.allocationRatio], demand: [...model.demand],
    placement: [...model.placement], target: [...model.target], maxPerWave: model.maxPerWave,
    hostIndex: [...model.hostIndex], vmIndex: [...model.vmIndex], source: JSON.stringify(model.source),
  };
}

/** An instance the pieces path accepts, with what a rebuild must keep: x- keys, odd names, VMs listed out of order. */
function odd(): InstanceDoc {
  return {
    'x-generator': { by: 'hand', note: '},{"name":"trap"}' },
    hosts: [
      { name: 'h1', capacity: { ram: 64, cpu: 8 }, reserved: { ram: 4 }, allocationRatio: { cpu: 4 }, zone: 'a', attributes: { rack: 1 } },
      { name: 'hôte "2"', capacity: { ram: 64, cpu: 8, 'x-gpu': 1 }, maxIncoming: null },
    ],
    vms: [
      { name: 'plain', demand: { ram: 8, cpu: 2 } },
      { name: 'full', demand: { cpu: 1, ram: 4 }, group: 'web', image: 'ubuntu', sla: { cold: true }, attributes: { os: 'linux', list: [{}, { a: ':' }] } },
      { name: '},{"name":"x"}', demand: { ram: 2, cpu: 0 } },
      { name: 'extension', demand: { ram: 2, 'x-note': 5 }, 'x-owner': 'team' } as InstanceDoc['vms'][number],
      { name: 'empty', demand: {}, sla: {} },
      { name: '__proto__' },
      { name: 'back\\slash:"q"', demand: { ram: 1 } },
      { name: 'ünï', demand: { ram: 1 } },
    ],
    placement: { ünï: 'h1', plain: 'h1', full: 'h1', '},{"name":"x"}': 'hôte "2"', extension: 'hôte "2"', empty: 'h1', 'back\\slash:"q"': 'h1', 'x-comment': 'h9' },
    target: { plain: 'hôte "2"', full: 'h1', 'x-why': { because: ['a', ':'] } },
    limits: { maxPerWave: 3 },
    policy: { rules: ['capacity'] },
  } as unknown as InstanceDoc;
}

const textOf = (doc: InstanceDoc, indent?: number) => JSON.stringify(doc, null, indent);
/** odd()'s text, with "__proto__" as a placement key, as JSON.parse gives it (an object literal would set the prototype). */
const oddText = () => textOf(odd()).replace('"placement":{', '"placement":{"__proto__":"hôte \\"2\\"",');

function expectSameModel(text: string, batch: number): void {
  const doc = JSON.parse(text) as InstanceDoc;
  const compiled = compileInstanceBytes(Buffer.from(text), schemas, batch);
  expect(compiled, `batch ${batch}`).toBeDefined();
  expect(view(compiled!.model)).toEqual(view(compileModel(doc)));
  expect(compiled!.warnings).toEqual(resourceWarnings(doc));
  expect(compiled!.policy).toEqual(doc.policy);
}

describe('an instance compiled piece by piece', () => {
  it('is the model of the whole document, wherever its arrays and maps are cut, compact or indented', () => {
    const text = oddText();
    for (const batch of [1, 7, 40, 100, 1 << 20]) {
      expectSameModel(text, batch);
      expectSameModel(textOf(JSON.parse(text), 2), batch);
    }
  });

  it('is the model of the whole document for generated clouds, any piece size', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 5000 }), fc.boolean(), (hosts, seed, batch, reversed) => {
      const doc = generateCloud({ hosts, seed, small: true, zones: 2, limits: { maxPerWave: 5 } });
      // assignments in another order than the VMs'
      if (reversed) doc.placement = Object.fromEntries(Object.entries(doc.placement).reverse());
      expectSameModel(JSON.stringify(doc), batch);
    }), { numRuns: 40 });
  });

  it('gives way to the whole document for what it does not accept (the loader then checks it as before)', () => {
    const good = oddText();
    const gives = (text: string) => compileInstanceBytes(Buffer.from(text), schemas, 8);
    expect(gives(good)).toBeDefined();
    const cases = [
      good.replace('"name":"plain"', '"name":"full"'), // a duplicate VM
      good.replace('"plain":"h1"', '"plain":"h9"'), // an unknown host
      good.replace('"plain":"h1"', '"plain":""'), // not a name
      good.replace('"ünï":"h1",', ''), // a VM without placement
      good.replace('"vms":[', '"vms":[{"name":"plain2","demand":{"gpu":1}},'), // a resource nothing limits
      good.replace('"group":"web"', '"group":5'), // the schema
      good.replace('"limits":{"maxPerWave":3}', '"limits":{"maxPerWave":-3}'),
      good.replace('],"placement"', ',],"placement"'), // not JSON
      good.replace('"plain":"h1"', '"plain":"h1":"h1"'),
      good.replace('"plain":"h1"', '"plain","h1"'),
      good.replace('"placement":', '"placement":{"vms":[]},"x-p":'),
      good.slice(0, -1) + ',"vms":[]}', // a repeated key
      good.replace('{"x-generator"', '{"__proto__":{},"x-generator"'),
      '[1,2]', '{"hosts":[],"vms":{},"placement":{}}', '',
    ];
    for (const text of cases) expect(gives(text), text.slice(0, 80)).toBeUndefined();
  });

  it('reads a key/value list as pairs only when it is one', () => {
    const pairs = (text: string) => parseMembersAsPairs(Buffer.from(text), 0, text.length);
    expect(pairs('"a":"b", "c" : {"d":[1,":"]}')).toEqual(['a', 'b', 'c', { d: [1, ':'] }]);
    expect(pairs('"a:":"b"')).toEqual(['a:', 'b']);
    for (const bad of ['"a","b"', '"a":"b":"c","d"', '"a":"b",', '1:"b"', '"a":', '', '"a":"b","c"']) expect(pairs(bad), bad).toBeUndefined();
  });
});

describe('loading an instance read as bytes', () => {
  const loadError = async (load: () => Promise<unknown>) => {
    try {
      await load();
    } catch (e) {
      return (e as Error).message;
    }
    return 'loaded';
  };

  it('gives the messages of the whole document for bad input, and the same load for good input', async () => {
    const good = oddText();
    const texts = [
      good,
      good.replace('"name":"plain"', '"name":"full"'),
      good.replace('"plain":"h1"', '"plain":"h9"'),
      good.replace('"group":"web"', '"group":5'),
      good.replace('],"placement"', ',],"placement"'),
      good.replace('"vms":[', '"vms":[{"name":"zz","demand":{"rma":1}},'),
      good.replace('"maxIncoming":null', '"maxIncoming":null,"disabled":true').replace('"plain":"hôte \\"2\\""', '"plain":"hôte \\"2\\"","ünï":"hôte \\"2\\""'),
    ];
    for (const text of texts) {
      const f = file(text);
      const bytes = await readInstance(f);
      expect(bytes).toBeInstanceOf(InstanceBytes);
      const viaBytes = await loadError(() => loadInstance(bytes, { source: f }));
      const viaDocument = await loadError(async () => loadInstance(await readDocument(f), { source: f }));
      expect(viaBytes).toBe(viaDocument);
    }
    const f = file(good);
    const [a, b] = [await loadInstance(await readInstance(f)), await loadInstance(await readDocument(f))];
    expect(view(a.model)).toEqual(view(b.model));
    expect(a.warnings).toEqual(b.warnings);
    expect(a.policy).toEqual(b.policy);
  });
});
