/**
 * Input validation: loadInstance refuses every bad instance with an InputError
 * whose issues say where (a JSON pointer) and what (the offending value); the
 * CLI prints them and exits 2, without a stack trace.
 *
 * The CLI tests run the built program: build first with `npx tsc -p .`.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shunt } from './helpers.js';
import type { InstanceDoc, PolicyDoc } from '../src/model/instance.js';
import { loadInstance } from '../src/api.js';
import { InputError } from '../src/io/errors.js';

/** Two hosts, two VMs of one anti-affinity group swapping places. A valid instance. */
function good(): InstanceDoc {
  return {
    hosts: [
      { name: 'h1', capacity: { ram: 8, cpu: 4 } },
      { name: 'h2', capacity: { ram: 8, cpu: 4 } },
    ],
    vms: [
      { name: 'a', demand: { ram: 4, cpu: 1 }, group: 'web' },
      { name: 'b', demand: { ram: 2 }, group: 'web' },
    ],
    placement: { a: 'h1', b: 'h2' },
    target: { a: 'h2', b: 'h1' },
  };
}

/** The good instance, changed by `edit` (which may treat it as plain JSON). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary fields, valid or not
function changed(edit: (doc: any) => void): InstanceDoc {
  const doc = good();
  edit(doc);
  return doc;
}

async function rejection(doc: unknown, policy?: PolicyDoc): Promise<InputError> {
  try {
    await loadInstance(doc, { policy, source: 'instance.json' });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('the instance was accepted');
}

interface BadCase {
  what: string;
  doc: InstanceDoc;
  /** A policy given beside the instance (--policy). */
  policy?: PolicyDoc;
  /** The issue expected: its JSON pointer and what its message must say. */
  path: string;
  says: RegExp;
}

const bad: BadCase[] = [
  { what: 'an unknown key at the top', doc: changed((d) => { d.hostz = []; }), path: '/hostz', says: /unknown key/ },
  { what: 'an unknown key in a host', doc: changed((d) => { d.hosts[1].cpus = 4; }), path: '/hosts/1/cpus', says: /unknown key/ },
  { what: 'an unknown key in a VM', doc: changed((d) => { d.vms[0].memory = 4; }), path: '/vms/0/memory', says: /unknown key/ },
  { what: 'an unknown key in the limits', doc: changed((d) => { d.limits = { maxParallel: 3 }; }), path: '/limits/maxParallel', says: /unknown key/ },
  { what: 'an unknown key in the policy', doc: changed((d) => { d.policy = { rule: ['zone'] }; }), path: '/policy/rule', says: /unknown key/ },
  { what: 'a negative capacity', doc: changed((d) => { d.hosts[0].capacity.ram = -8; }), path: '/hosts/0/capacity/ram', says: /-8/ },
  { what: 'a negative demand', doc: changed((d) => { d.vms[1].demand.ram = -1; }), path: '/vms/1/demand/ram', says: /-1/ },
  { what: 'a non-numeric capacity', doc: changed((d) => { d.hosts[0].capacity.cpu = 'four'; }), path: '/hosts/0/capacity/cpu', says: /number.*"four"/ },
  { what: 'a non-numeric demand', doc: changed((d) => { d.vms[0].demand.ram = '4GB'; }), path: '/vms/0/demand/ram', says: /number.*"4GB"/ },
  { what: 'a duplicate host', doc: changed((d) => { d.hosts.push({ name: 'h1', capacity: { ram: 1 } }); }), path: '/hosts/2/name', says: /duplicate host.*"h1"/ },
  { what: 'a duplicate VM', doc: changed((d) => { d.vms.push({ name: 'a' }); }), path: '/vms/2/name', says: /duplicate VM.*"a"/ },
  { what: 'a placement naming an unknown VM', doc: changed((d) => { d.placement.ghost = 'h1'; }), path: '/placement/ghost', says: /unknown VM "ghost"/ },
  { what: 'a placement naming an unknown host', doc: changed((d) => { d.placement.a = 'h9'; }), path: '/placement/a', says: /unknown host "h9"/ },
  { what: 'a VM without placement', doc: changed((d) => { delete d.placement.b; }), path: '/placement/b', says: /"b".*no placement/ },
  { what: 'a target naming an unknown host', doc: changed((d) => { d.target.a = 'h9'; }), path: '/target/a', says: /unknown host "h9"/ },
  {
    what: 'a target that keeps an overloaded placement over capacity',
    doc: changed((d) => { d.vms.push({ name: 'c', demand: { ram: 7 } }); d.placement.c = 'h1'; }),
    path: '/target', says: /capacity.*host h1 ram: load 9 exceeds usable 8/,
  },
  {
    what: 'a target that breaks anti-affinity',
    doc: changed((d) => { d.target = { a: 'h2', b: 'h2' }; }), policy: { rules: ['anti-affinity'] },
    path: '/target', says: /anti-affinity.*h2.*\ba\b.*\bb\b.*web/,
  },
  {
    what: 'a pinned VM given another target',
    doc: good(), policy: { rules: [{ name: 'pin', options: { vms: ['a'] } }] },
    path: '/target', says: /pin.*\ba\b/,
  },
  {
    what: 'a policy naming an unknown cost plugin',
    doc: good(), policy: { cost: 'cheapest' },
    path: '/cost', says: /unknown cost plugin "cheapest".*known: count, duration, ram/,
  },
  {
    what: 'a policy naming an unknown rule plugin',
    doc: good(), policy: { rules: ['zone', 'rack-affinity'] },
    path: '/rules/1', says: /unknown rule plugin "rack-affinity".*known: .*affinity.*anti-affinity.*capacity.*headroom.*pin.*zone/,
  },
  {
    what: 'a plugin option out of its range',
    doc: good(), policy: { rules: [{ name: 'headroom', options: { fraction: 2 } }] },
    path: '/rules/0/options/fraction', says: /headroom.*\b2\b/,
  },
  {
    what: 'a plugin option the plugin does not know',
    doc: good(), policy: { rules: [{ name: 'anti-affinity', options: { group: ['web'] } }] },
    path: '/rules/0/options/group', says: /anti-affinity.*unknown key/,
  },
  {
    what: 'a cost plugin option violating its schema',
    doc: good(), policy: { cost: { name: 'duration', options: { bandwidth: 0 } } },
    path: '/cost/options/bandwidth', says: /duration.*\b0\b/,
  },
];

describe('loadInstance', () => {
  it('accepts a good instance', async () => {
    const loaded = await loadInstance(good());
    expect(loaded.model.hosts.map((h) => h.name)).toEqual(['h1', 'h2']);
  });

  it.each(bad)('rejects $what, naming path and value', async ({ doc, policy, path, says }) => {
    const error = await rejection(doc, policy);
    expect(error.issues).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(says) }));
    // A separate policy is a document of its own: its issues are located in it.
    const source = policy && !path.startsWith('/placement') && !path.startsWith('/target') ? 'policy' : 'instance.json';
    expect(error.message).toContain(`${source}: ${path}: `);
  });

  it('accepts x- keys anywhere, also inside resource maps, the placement and the target, and ignores them', async () => {
    const doc = {
      'x-generator': 'by hand',
      hosts: [
        { name: 'h1', 'x-rack': 3, capacity: { ram: 8, 'x-unit': 'GiB' }, reserved: { ram: 1, 'x-why': 'os' }, allocationRatio: { ram: 1, 'x-note': null } },
        { name: 'h2', capacity: { ram: 8 } },
      ],
      vms: [{ name: 'a', 'x-owner': 'me', demand: { ram: 4, 'x-measured': true } }],
      placement: { a: 'h1', 'x-comment': { any: 'thing' } },
      target: { a: 'h2', 'x-comment': 'moves' },
      limits: { maxPerWave: 2, 'x-reason': 'change window' },
      policy: { 'x-by': 'ops', rules: [{ name: 'headroom', 'x-why': 'safety', options: { fraction: 0.1 } }] },
    };
    const loaded = await loadInstance(doc);
    expect(loaded.model.resources).toEqual(['ram']);
    expect(loaded.model.vms.map((v) => v.name)).toEqual(['a']);
    expect(Array.from(loaded.model.placement)).toEqual([0]);
    expect(Array.from(loaded.model.target)).toEqual([1]);
    expect(loaded.problem.usable[0]).toBe(7);
  });

  it('reports every issue of a document at once', async () => {
    const error = await rejection(changed((d) => { d.hosts[0].capacity.ram = -1; d.vms[0].memory = 1; }));
    expect(error.issues.map((i) => i.path).sort()).toEqual(['/hosts/0/capacity/ram', '/vms/0/memory']);
  });

  it('locates issues of a policy inside the instance within the instance (under /policy)', async () => {
    const unknown = await rejection(changed((d) => { d.policy = { cost: 'cheapest' }; }));
    expect(unknown.issues).toContainEqual(expect.objectContaining({ path: '/policy/cost', message: expect.stringMatching(/cheapest/) }));
    const option = await rejection(changed((d) => { d.policy = { rules: [{ name: 'headroom', options: { fraction: 2 } }] }; }));
    expect(option.issues).toContainEqual(expect.objectContaining({ path: '/policy/rules/0/options/fraction', message: expect.stringMatching(/headroom/) }));
  });
});

describe('shunt validate and shunt plan on bad input', () => {
  let dir: string;
  let count = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shunt-validate-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (content: unknown, name = `f${++count}.json`) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  };
  const noStackTrace = (stderr: string) => {
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toMatch(/internal error/);
  };

  it('validate exits 0 on a good instance and summarises it', async () => {
    const r = await shunt('validate', file(good()));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/valid: 2 hosts, 2 VMs, 2 must move/);
  });

  it.each(bad)('validate exits 2 on $what, with the message on stderr', async ({ doc, policy, path, says }) => {
    const instance = file(doc);
    const r = policy ? await shunt('validate', instance, '--policy', file(policy)) : await shunt('validate', instance);
    expect(r.status).toBe(2);
    const line = r.stderr.split('\n').find((l) => l.includes(`: ${path}: `));
    expect(line, r.stderr).toBeDefined();
    expect(line).toMatch(says);
    expect(r.stdout).toBe('');
    noStackTrace(r.stderr);
  });

  it('plan exits 2 on a missing file', async () => {
    const missing = join(dir, 'no-such-instance.json');
    const r = await shunt('plan', missing);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(missing);
    expect(r.stderr).toMatch(/no such file/);
    noStackTrace(r.stderr);
  });

  it('plan exits 2 on a file that is not JSON', async () => {
    const r = await shunt('plan', file('{ "hosts": [ { "name": "h1", } ] '));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON/);
    noStackTrace(r.stderr);
  });

  it('validate exits 2 on a file that is not JSON', async () => {
    const r = await shunt('validate', file('hosts: [h1]'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON/);
    noStackTrace(r.stderr);
  });
});
