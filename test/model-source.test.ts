/**
 * `Model.source` (and `Loaded.doc`): the instance a model was compiled from, without keeping the
 * parsed document alive. VMs, placement and target are rebuilt from the model when read; what
 * the model cannot rebuild (x- keys, zero demands) is kept as given.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { InstanceDoc } from '../src/model/instance.js';
import { compileModel } from '../src/model/model.js';
import { loadInstance } from '../src/api.js';
import { InputError } from '../src/io/errors.js';
import { SchemaValidator } from '../src/io/schemas.js';

/** An instance with every kind of field a rebuild must reproduce. */
function rich(): InstanceDoc {
  return {
    'x-generator': { by: 'hand' },
    resources: [{ name: 'ram', unit: 'MiB' }, { name: 'gpu' }],
    hosts: [
      { name: 'h1', capacity: { ram: 64, cpu: 8 }, reserved: { ram: 4 }, allocationRatio: { cpu: 4 }, zone: 'a', attributes: { rack: 1 } },
      { name: 'h2', capacity: { ram: 64, cpu: 8 }, maxIncoming: null },
    ],
    vms: [
      { name: 'plain', demand: { ram: 8, cpu: 2 } },
      { name: 'full', demand: { cpu: 1, ram: 4 }, group: 'web', image: 'ubuntu', sla: { cold: true }, attributes: { os: 'linux' } },
      { name: 'zero', demand: { ram: 2, gpu: 0 } },
      { name: 'extension', demand: { ram: 2, 'x-note': 5 }, 'x-owner': 'team' } as InstanceDoc['vms'][number],
      { name: 'empty', demand: {}, sla: {} },
      { name: 'nothing' },
    ],
    placement: { plain: 'h1', full: 'h1', zero: 'h2', extension: 'h2', empty: 'h1', nothing: 'h2', 'x-comment': 'h9' },
    target: { plain: 'h2', full: 'h1', 'x-why': 'drain' },
    limits: { maxPerWave: 3 },
    policy: { rules: ['capacity'] },
  } as InstanceDoc;
}

describe('the source of a compiled model', () => {
  it('equals the document it was compiled from, x- keys, zero and empty demands and targets at the placement included', () => {
    const doc = rich();
    expect(compileModel(doc).source).toEqual(rich());
  });

  it('keeps the top-level keys in the order of the document', () => {
    expect(Object.keys(compileModel(rich()).source)).toEqual(Object.keys(rich()));
  });

  it('has no target when the document has none', () => {
    const { target: _none, ...doc } = rich();
    const source = compileModel(doc).source;
    expect('target' in source).toBe(false);
    expect(source).toEqual(doc);
  });

  it('holds none of the VMs or assignment maps the model can rebuild, but the same small parts', () => {
    const doc = rich();
    const source = compileModel(doc).source;
    expect(source.vms).not.toBe(doc.vms);
    expect(source.vms[0]).not.toBe(doc.vms[0]);
    expect(source.placement).not.toBe(doc.placement);
    expect(source.target).not.toBe(doc.target);
    expect(source.hosts).toBe(doc.hosts);
    expect(source.limits).toBe(doc.limits);
  });

  it('rebuilds the same value for every read, and a spread copy is a plain document', () => {
    const source = compileModel(rich()).source;
    expect(source.vms).toBe(source.vms);
    const copy = { ...source, target: { plain: 'h1' } };
    expect(Object.getOwnPropertyDescriptor(copy, 'vms')!.value).toEqual(rich().vms);
  });

  it('is what a loaded instance gives as its document', async () => {
    const loaded = await loadInstance(rich());
    expect(loaded.doc).toBe(loaded.model.source);
    expect(loaded.doc).toEqual(rich());
  });
});

describe('loading an instance', () => {
  it('keeps nothing of the parsed VMs alive once the caller lets the document go', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const parsed = async () => {
      const doc = JSON.parse(JSON.stringify(rich())) as InstanceDoc;
      const loaded = await loadInstance(doc);
      return { loaded, vms: new WeakRef(doc.vms), placement: new WeakRef(doc.placement), first: new WeakRef(doc.vms[0]!) };
    };
    const { loaded, vms, placement, first } = await parsed();
    await new Promise((resolve) => setImmediate(resolve)); // WeakRefs hold their targets until the job ends
    gc();
    expect(loaded.model.vms.length).toBe(6);
    expect([vms.deref(), placement.deref(), first.deref()]).toEqual([undefined, undefined, undefined]);
  });
});

describe('the schema check of placement and target, done by the name index', () => {
  const issuesOf = async (doc: unknown) => {
    try {
      await loadInstance(doc);
    } catch (e) {
      if (e instanceof InputError) return e.issues;
      throw e;
    }
    return [];
  };
  const fullCheck = (doc: unknown) => {
    try {
      new SchemaValidator().assert('instance', doc, 'instance');
    } catch (e) {
      return (e as InputError).issues;
    }
    return [];
  };
  interface Loose { placement: Record<string, unknown> | unknown[]; target: Record<string, unknown>; vms: Array<{ demand: Record<string, unknown> }>; limits: Record<string, unknown> }
  const bad = (change: (d: Loose) => void) => { const d = rich() as unknown as Loose; change(d); return d; };

  it.each([
    ['a host that is not a string', bad((d) => { (d.placement as Record<string, unknown>)['plain'] = 5; }), [{ path: '/placement/plain', message: 'must be string (got 5)' }]],
    ['an empty host name in the target', bad((d) => { d.target['plain'] = ''; }), [{ path: '/target/plain', message: 'must NOT have fewer than 1 characters (got "")' }]],
    ['a placement that is a list', bad((d) => { d.placement = ['h1']; }), [{ path: '/placement', message: 'must be object (got ["h1"])' }]],
  ])('reports %s as the whole schema check does', async (_what, doc, expected) => {
    expect(await issuesOf(doc)).toEqual(expected);
    expect(fullCheck(doc)).toEqual(expected);
  });

  it('reports the errors of the assignments and of the rest together, in the schema check\'s order', async () => {
    const doc = bad((d) => { (d.placement as Record<string, unknown>)['plain'] = null; d.vms[0]!.demand['ram'] = -1; d.limits['maxPerWave'] = 'x'; });
    const issues = await issuesOf(doc);
    expect(issues.map((i) => i.path)).toEqual(['/vms/0/demand/ram', '/placement/plain', '/limits/maxPerWave']);
    expect(issues).toEqual(fullCheck(doc));
  });
});
