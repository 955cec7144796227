/**
 * VM records read straight from an instance's bytes (src/io/vm-records.ts): numbers read as
 * JSON.parse reads them, and for random records (escapes, unicode, exponents, -0, huge
 * numbers, repeated keys, extra fields, sla, attributes, group, image, x- keys, malformed ones)
 * the load gives the model of the whole parsed document, or its message.
 */
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InstanceDoc } from '../src/model/instance.js';
import { compileModel, type Model } from '../src/model/model.js';
import { compileInstanceBytes } from '../src/io/instance-pieces.js';
import { numeralEnd, numeralValue } from '../src/io/vm-records.js';
import { hashBytes, hashText, NameIndex } from '../src/io/name-index.js';
import { SchemaValidator } from '../src/io/schemas.js';
import { InstanceBytes } from '../src/io/read.js';
import { loadInstance } from '../src/api.js';
import { ReferenceVmCompiler } from './reference/round5/vm-compiler.js';
import { NO_ATTRIBUTES } from '../src/model/source.js';

const schemas = new SchemaValidator();

/** Everything a model says, as plain data. */
function view(model: Model) {
  return {
    resources: model.resources, hosts: model.hosts, vms: model.vms,
    capacity: [...model.capacity], reserved: [...model.reserved], allocationRatio: [...model.allocationRatio], demand: [...model.demand],
    placement: [...model.placement], target: [...model.target], maxPerWave: model.maxPerWave,
    hostIndex: [...model.hostIndex], vmIndex: [...model.vmIndex], source: JSON.stringify(model.source),
    verbatimVms: JSON.stringify(model.source.vms),
  };
}

const NUMERALS = [
  '0', '-0', '0.0', '-0.0', '1', '7', '2048', '1e3', '1E+3', '2.5e-3', '1e400', '-1e400', '4e-400', '-1', '0.1', '1.7976931348623157e308',
  '123456789012345678901234567890', '9007199254740993', '999999999999999', '1000000000000000', '12345.678901234567890123', '1e-7',
  '01', '1.', '.5', '+1', '0x10', '1e', '1e+', '-', '--1', '1.5.2', 'Infinity', 'NaN', '"5"', 'null', 'true', '1 2',
];

/** Random numeral texts: JSON's own, near misses, and doubles written every way JavaScript writes them. */
const numeral = fc.oneof(
  fc.constantFrom(...NUMERALS),
  fc.double({ noNaN: true, noDefaultInfinity: true }).chain((x) => fc.constantFrom(String(x), x.toExponential(), x.toExponential().toUpperCase(), x.toPrecision(21).replace(/\.?0+$/, ''))),
  fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String),
);

describe('a numeral read from bytes', () => {
  it('is read exactly where JSON.parse reads one, to the same value (-0, exponents, huge and tiny ones included)', () => {
    fc.assert(fc.property(numeral, (text) => {
      const bytes = Buffer.from(text);
      let parsed: unknown;
      try { parsed = JSON.parse(text); } catch { parsed = undefined; }
      const end = numeralEnd(bytes, 0);
      const whole = end === bytes.length;
      expect(whole, text).toBe(typeof parsed === 'number');
      if (whole) expect(Object.is(numeralValue(bytes, 0, end), parsed), text).toBe(true);
    }), { numRuns: 2000 });
  });
});

describe('a name index', () => {
  it('finds every name by its text and by its bytes, and refuses a repeated one', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 12 }), { maxLength: 200 }), fc.string(), (names, other) => {
      const items = names.map((name) => ({ name }));
      const index = new NameIndex(items, names.length);
      names.forEach((name, i) => expect(index.add(i, hashText(name))).toBe(true));
      expect([...index]).toEqual(names.map((name, i) => [name, i]));
      names.forEach((name, i) => {
        expect(index.get(name)).toBe(i);
        const bytes = Buffer.from(name, 'latin1');
        expect(hashBytes(bytes, 0, bytes.length)).toBe(hashText(name));
        expect(index.findBytes(bytes, 0, bytes.length)).toBe(i);
      });
      if (!names.includes(other)) expect(index.get(other)).toBeUndefined();
      if (names.length) expect(index.add(0, hashText(names[0]!))).toBe(false);
      expect(index.size).toBe(names.length);
    }), { numRuns: 100 });
  });
});

/** A record's members as texts ([key, value]), so that keys may repeat and numbers be written any way. */
type Member = readonly [string, string];

const space = fc.constantFrom('', ' ', '\n  ', '\t', ' \r\n');
/** Mostly what the schema accepts, now and then what it does not (so that whole documents are often valid). */
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good, weight: 40 }, { arbitrary: bad, weight: 1 });

const GOOD_NUMERALS = NUMERALS.filter((t) => { try { return typeof JSON.parse(t) === 'number' && JSON.parse(t) >= 0; } catch { return false; } });
const amount = mostly(fc.oneof(fc.constantFrom(...GOOD_NUMERALS), fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }).map(String), fc.integer({ min: 1, max: 1e6 }).map(String)), numeral);
const demandKey = mostly(fc.oneof({ arbitrary: fc.constantFrom('"ram"', '"cpu"', '"disk"'), weight: 20 }, { arbitrary: fc.constantFrom('"x-gpu"', '"r\\u0061m"'), weight: 1 }), fc.constantFrom('"gpu"', '"__proto__"', '"CPU"'));
const demand = fc.array(fc.tuple(demandKey, amount), { maxLength: 4 }).map((ms) => `{${ms.map(([k, v]) => `${k}:${v}`).join(',')}}`);
const sla = mostly(
  fc.constantFrom('{}', '{"cold":true}', '{"maxDowntimeMs":1.5e2,"shelve":false}', '{"cold":true,"cold":false}', '{ "shelve" : true }', '{"maxDowntimeMs":1e-300}'),
  fc.constantFrom('{"maxDowntimeMs":0}', '{"x-a":true}', '{"other":false}', '{"__proto__":true}', '[]', '{"cold":"yes"}', '{"maxDowntimeMs":1e400}', '{"maxDowntimeMs":-0}'),
);
const attributes = mostly(
  fc.oneof(
    fc.constantFrom('{}', '{"flavour":"m1.small"}', '{"a":1,"b":true,"c":null,"d":-0.5e3,"e":false}', '{"__proto__":{"x":1}}', '{"__proto__":"x"}', '{"n":{"deep":[1,2]}}',
      '{"a":"x","a":"y"}', '{"é":"ü"}', '{"1":"a","0":"b"}', '{"s":"tab\\t"}', '{ "a" : "b" , "c" : 2 }', '{"big":1e400,"neg":-0}'),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.double(), fc.constant(null)), { maxKeys: 3 }).map((d) => JSON.stringify(d)),
  ),
  fc.constantFrom('[]', 'null', '"a"'),
);
const group = mostly(fc.oneof(fc.constantFrom('"g"', '"gé"', '"a\\"b"', '"web"', '"\\u0067"'), fc.string({ minLength: 1, maxLength: 5 }).map((s) => JSON.stringify(s))), fc.constantFrom('""', '5', 'null'));
const image = mostly(fc.oneof(fc.constantFrom('""', '"ubuntu"', '"\\u00e9"'), fc.string({ maxLength: 5 }).map((s) => JSON.stringify(s))), fc.constantFrom('5', 'null', '{}'));
const extra = mostly(fc.constantFrom('"x-owner":"team"', '"x-k":[1,{"a":2}]', '"x-":null'), fc.constantFrom('"flavor":"x"', '"name":"again"', '"demand":{"ram":1}', '"group":"g"', '"Name":"n"'));

/** `arbitrary` one time in `every`, else null. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, every: number) => fc.oneof({ arbitrary: fc.constant(null), weight: every - 1 }, { arbitrary, weight: 1 });

/** VM `n`'s name, written many ways; now and then another VM's (a repeat), or not a name. */
const nameOf = (n: number) => mostly(
  fc.oneof(
    { arbitrary: fc.constantFrom(`"vm-${n}"`, `"${'x'.repeat(30)}${n}"`, `"__proto__${n}"`, `"${n}"`), weight: 8 },
    { arbitrary: fc.constantFrom(`"vm\\u002d${n}"`, `"vé-${n}"`, `"q\\"${n}"`), weight: 1 },
  ),
  fc.constantFrom(`"vm-${Math.max(0, n - 1)}"`, '""', '5', 'null'),
);

const record = (n: number) => fc.tuple(
  nameOf(n),
  fc.option(demand, { freq: 8 }), sometimes(group, 3), sometimes(image, 3), sometimes(sla, 4), fc.option(attributes, { freq: 3 }),
  sometimes(extra, 10),
  fc.boolean(),
).map(([name, d, g, i, s, a, x, nameLast]): Member[] => {
  const members: Member[] = [];
  if (!nameLast) members.push(['"name"', name]);
  if (d !== null) members.push(['"demand"', d]);
  if (g !== null) members.push(['"group"', g]);
  if (i !== null) members.push(['"image"', i]);
  if (s !== null) members.push(['"sla"', s]);
  if (a !== null) members.push(['"attributes"', a]);
  if (x !== null) { const [k, v] = x.split(/:(.*)/s); members.push([k!, v!]); }
  if (nameLast) members.push(['"name"', name]);
  return members;
});

/** An instance whose VMs are the records, every one placed by its name (as the whole document parses it). */
function instanceText(records: Member[][], ws: string, vmsFirst: boolean): string {
  const vms = records.map((ms) => `{${ws}${ms.map(([k, v]) => `${k}${ws}:${ws}${v}`).join(`,${ws}`)}${ws}}`);
  const placement: string[] = [];
  for (const ms of records) {
    const name = ms.find(([k]) => k === '"name"')?.[1];
    let parsed: unknown;
    try { parsed = JSON.parse(name ?? ''); } catch { parsed = undefined; }
    if (typeof parsed === 'string') placement.push(`${JSON.stringify(parsed)}:"h${placement.length % 2}"`);
  }
  const hosts = '"hosts":[{"name":"h0","capacity":{"ram":1e12,"cpu":1e12,"disk":1e12}},{"name":"h1","capacity":{"ram":1e12,"cpu":1e12}}]';
  const vmsMember = `"vms":${ws}[${ws}${vms.join(`,${ws}`)}${ws}]`;
  const members = vmsFirst ? [vmsMember, hosts] : [hosts, vmsMember];
  return `{${members.join(',')},"placement":{${placement.join(',')}}}`;
}

const records = fc.integer({ min: 0, max: 12 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, n) => record(n))));

async function outcome(load: () => Promise<Awaited<ReturnType<typeof loadInstance>>>) {
  try {
    const loaded = await load();
    return { model: view(loaded.model), warnings: loaded.warnings, policy: loaded.policy };
  } catch (e) {
    return { message: (e as Error).message };
  }
}

describe('VM records read from bytes', () => {
  it('load as the whole parsed document loads: the same model, warnings and messages, for random records', async () => {
    let compiled = 0;
    let loaded = 0;
    await fc.assert(fc.asyncProperty(records, space, fc.boolean(), fc.integer({ min: 1, max: 300 }), async (rs, ws, vmsFirst, batch) => {
      const doc = instanceText(rs, ws, vmsFirst);
      const bytes = Buffer.from(doc);
      const whole = await outcome(() => loadInstance(JSON.parse(doc)));
      const viaBytes = await outcome(() => loadInstance(new InstanceBytes(bytes, () => JSON.parse(doc))));
      expect(viaBytes).toEqual(whole);
      const pieces = compileInstanceBytes(bytes, schemas, batch);
      if (pieces) {
        compiled++;
        const parsed = JSON.parse(doc) as InstanceDoc;
        expect(view(pieces.model)).toEqual(view(compileModel(parsed)));
        parsed.vms.forEach((vm, i) => expect(pieces.model.vmIndex.get(vm.name)).toBe(i));
        // each VM has attributes of its own, as JSON.parse gives them (equal ones are not shared)
        const own = pieces.model.vms.map((vm) => vm.attributes).filter((a) => a !== NO_ATTRIBUTES);
        expect(new Set(own).size).toBe(own.length);
        // and the VMs as the compiler before this reader compiled them (the frozen oracle)
        const reference = new ReferenceVmCompiler(pieces.model.resources, parsed.vms.length);
        parsed.vms.forEach((vm, i) => reference.add(vm, i));
        expect(pieces.model.vms).toEqual(reference.infos);
        expect([...pieces.model.demand]).toEqual([...reference.demand]);
        const sourceVms = pieces.model.source.vms;
        for (const [i, kept] of reference.verbatim) expect(JSON.stringify(sourceVms[i])).toBe(JSON.stringify(kept));
      }
      // a document the whole path loads is compiled from its bytes (nothing here makes it give up)
      if (!('message' in whole)) { loaded++; expect(pieces, doc).toBeDefined(); }
    }), { numRuns: 400 });
    // both outcomes are common: the property says something of each
    expect(compiled).toBeGreaterThan(100);
    expect(loaded).toBeLessThan(380);
  });

  it('count a resource as demanded only from the demand JSON.parse keeps, when a record repeats its demand', async () => {
    const doc = '{"hosts":[{"name":"h1","capacity":{"ram":4,"cpu":4}}],"vms":[{"name":"vm-0","demand":{"cpu":1},"demand":{"ram":1}}],"placement":{"vm-0":"h1"}}';
    const whole = await outcome(() => loadInstance(JSON.parse(doc)));
    const viaBytes = await outcome(() => loadInstance(new InstanceBytes(Buffer.from(doc), () => JSON.parse(doc))));
    expect(whole).toMatchObject({ warnings: ['hosts have a capacity of "cpu", but no VM demands it'] });
    expect(viaBytes).toEqual(whole);
  });

  it('give the message of the whole document for each record the schema or the checks refuse, and its model for each they accept', async () => {
    const variants = [
      '"name":""', '"name":5', '"name":null', '"name":"a","group":""', '"name":"a","group":5', '"name":"a","image":null',
      '"name":"a","sla":{"x-a":true}', '"name":"a","sla":{"other":false}', '"name":"a","sla":{"maxDowntimeMs":0}', '"name":"a","sla":{"maxDowntimeMs":-0}',
      '"name":"a","sla":{"maxDowntimeMs":-1}', '"name":"a","sla":{"maxDowntimeMs":1e400}', '"name":"a","sla":{"maxDowntimeMs":"5"}', '"name":"a","sla":{"cold":1}',
      '"name":"a","sla":{"shelve":null}', '"name":"a","sla":{"__proto__":true}', '"name":"a","sla":[]', '"name":"a","sla":{"cold":true,"shelve":false,"maxDowntimeMs":0.5}',
      '"name":"a","attributes":[]', '"name":"a","attributes":null', '"name":"a","attributes":{"__proto__":"x"}', '"name":"a","attributes":{"__proto__":{}}',
      '"name":"a","demand":{"ram":-1}', '"name":"a","demand":{"ram":-0}', '"name":"a","demand":{"ram":0}', '"name":"a","demand":{"ram":1e400}', '"name":"a","demand":{"ram":"1"}',
      '"name":"a","demand":{"ram":1,"ram":0}', '"name":"a","demand":{"ram":0,"ram":1}', '"name":"a","demand":{"rma":1}', '"name":"a","demand":{"x-r":"any"}', '"name":"a","demand":[]',
      '"name":"a","demand":{}', '"name":"a","demand":null', '"name":"a","flavour":"x"', '"name":"a","x-":1', '"name":"b","name":"a"', '"name":"a","group":"g","group":""',
      '"demand":{"ram":1}', '"name":"a\\u0000"', '"name":"a\u0001"', '"name":"a","image":"\u007f"',
    ];
    for (const variant of variants) {
      const doc = `{"hosts":[{"name":"h0","capacity":{"ram":8}}],"vms":[{"name":"z","demand":{"ram":1}},{${variant}}],"placement":{"z":"h0","a":"h0"}}`;
      let whole: Awaited<ReturnType<typeof outcome>>;
      try {
        JSON.parse(doc);
        whole = await outcome(() => loadInstance(JSON.parse(doc)));
      } catch (e) {
        whole = { message: (e as Error).message };
      }
      const viaBytes = await outcome(() => loadInstance(new InstanceBytes(Buffer.from(doc), () => JSON.parse(doc))));
      expect(viaBytes, variant).toEqual(whole);
    }
  });

  it('compile plain records and given-back ones alike, in any mix and batch', () => {
    const plain = (n: number) => `{"name":"vm-${n}","demand":{"ram":${n + 1},"cpu":0.5},"attributes":{"flavour":"m1","n":${n % 3}},"group":"g","image":""}`;
    const odd = (n: number) => `{"name":"v\\u00e9-${n}","demand":{"ram":0,"x-a":1},"sla":{"cold":true},"x-k":[1]}`;
    fc.assert(fc.property(fc.array(fc.boolean(), { maxLength: 40 }), fc.integer({ min: 1, max: 500 }), (kinds, batch) => {
      const vms = kinds.map((p, n) => (p ? plain(n) : odd(n)));
      const placement = kinds.map((p, n) => (p ? `"vm-${n}":"h0"` : `"v\\u00e9-${n}":"h0"`));
      const doc = `{"hosts":[{"name":"h0","capacity":{"ram":1e9,"cpu":8}}],"vms":[${vms.join(',')}],"placement":{${placement.join(',')}}}`;
      const pieces = compileInstanceBytes(Buffer.from(doc), schemas, batch);
      expect(pieces).toBeDefined();
      expect(view(pieces!.model)).toEqual(view(compileModel(JSON.parse(doc) as InstanceDoc)));
      // equal attributes are still one object per VM
      const own = pieces!.model.vms.map((vm) => vm.attributes).filter((a) => a !== NO_ATTRIBUTES);
      expect(new Set(own).size).toBe(own.length);
    }), { numRuns: 100 });
  });

  it('compile an empty or spaced array, with the hosts before or after it', () => {
    const hosts = '"hosts":[{"name":"h0","capacity":{"ram":8}}]';
    for (const vms of ['[]', '[ \n ]', '[ {"name":"a"} ]', '[\n{ "name" : "a" , "demand" : { "ram" : 1 } }\n]']) {
      const placement = vms.includes('"a"') ? '{"a":"h0"}' : '{}';
      for (const doc of [`{${hosts},"vms":${vms},"placement":${placement}}`, `{"vms":${vms},${hosts},"placement":${placement}}`]) {
        const pieces = compileInstanceBytes(Buffer.from(doc), schemas);
        expect(pieces, doc).toBeDefined();
        expect(view(pieces!.model)).toEqual(view(compileModel(JSON.parse(doc) as InstanceDoc)));
      }
    }
  });

  it('give up on what is not an array of objects, or not JSON, so that the whole document says what is wrong', () => {
    const good = '{"hosts":[{"name":"h0","capacity":{"ram":8}}],"vms":[{"name":"a","demand":{"ram":1}}],"placement":{"a":"h0"}}';
    expect(compileInstanceBytes(Buffer.from(good), schemas)).toBeDefined();
    for (const bad of ['[{"name":"a","demand":{"ram":1}},]', '[5]', '[{"name":"a","demand":{"ram":1}} {"name":"b"}]', '[{"name":"a","demand":{"ram":1}}', '[{"name":"a",}]', '[{"name":"a","demand":{"ram":1,}}]']) {
      const doc = good.replace('[{"name":"a","demand":{"ram":1}}]', bad);
      expect(compileInstanceBytes(Buffer.from(doc), schemas), bad).toBeUndefined();
    }
  });
});
