/**
 * The replay verifier: every kind of violation it must find in a plan, found at
 * the right wave and phase; and `shunt verify`, which prints them.
 *
 * The CLI tests run the built program: build first with `npx tsc -p .`.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceDoc, PolicyDoc } from '../src/model/instance.js';
import type { Wave } from '../src/model/plan.js';
import type { SanityRule } from '../src/plugin-api.js';
import { createKernel } from '../src/kernel/kernel.js';
import { compileModel } from '../src/model/model.js';
import { formatViolation, verifyPlan, type VerifyResult } from '../src/verify/replay.js';
import { cloud, load, shunt } from './helpers.js';

/** Waves written as "vm:from>to vm:from>to", one string per wave ("" is an empty wave). */
function waves(...text: string[]): Wave[] {
  return text.map((w) => ({
    migrations: w.split(/\s+/).filter(Boolean).map((m) => {
      const [, vm, from, to] = /^(.*):(.*)>(.*)$/.exec(m)!;
      return { vm: vm!, from: from!, to: to! };
    }),
  }));
}

async function verify(doc: InstanceDoc, plan: Wave[], policy?: PolicyDoc): Promise<VerifyResult> {
  return verifyPlan((await load(doc, policy)).problem, plan);
}

/** Three hosts with room; a must go h1 -> h2. */
const roomy = cloud({
  hosts: { h1: { ram: 16 }, h2: { ram: 16 }, h3: { ram: 16 } },
  vms: { a: { ram: 4 }, b: { ram: 4 } },
  at: { a: 'h1', b: 'h2' },
  to: { a: 'h2' },
});

/** Two full hosts swapping their VMs, and a spare host to park on. */
const swap = cloud({
  hosts: { h1: { ram: 8 }, h2: { ram: 8 }, spare: { ram: 8 } },
  vms: { big: { ram: 6 }, small: { ram: 4 } },
  at: { big: 'h1', small: 'h2' },
  to: { big: 'h2', small: 'h1' },
});

describe('a valid plan', () => {
  it('has no violation, and its cost is the cost plugin summed over its migrations', async () => {
    const plan = waves('small:h2>spare', 'big:h1>h2', 'small:spare>h1');
    const result = await verify(swap, plan);
    expect(result.violations).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.moves).toBe(3);
    expect(result.cost).toBe(4 + 6 + 4);
  });

  it('costs what the configured cost plugin says, migration by migration', async () => {
    const policy: PolicyDoc = { cost: { name: 'duration', options: { bandwidth: 2, dirtyRate: 0, setup: 1 } } };
    const { problem, model } = await load(swap, policy);
    const plan = waves('small:h2>spare', 'big:h1>h2', 'small:spare>h1');
    const result = verifyPlan(problem, plan);
    const expected = plan.flatMap((w) => w.migrations)
      .reduce((sum, m) => sum + problem.cost.cost(model.vmIndex.get(m.vm)!, model.hostIndex.get(m.from)!, model.hostIndex.get(m.to)!), 0);
    expect(result.valid).toBe(true);
    expect(result.cost).toBeCloseTo(expected, 9);
    expect(result.cost).toBeCloseTo((1 + 2) + (1 + 3) + (1 + 2), 9);
  });

  it('may run independent migrations in one wave', async () => {
    const doc = cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 }, h3: { ram: 8 }, h4: { ram: 8 } },
      vms: { a: { ram: 4 }, b: { ram: 4 } },
      at: { a: 'h1', b: 'h2' },
      to: { a: 'h3', b: 'h4' },
    });
    expect((await verify(doc, waves('a:h1>h3 b:h2>h4'))).violations).toEqual([]);
  });

  it('is the empty plan when every VM is already on its target', async () => {
    const doc = cloud({ hosts: { h1: { ram: 8 } }, vms: { a: { ram: 1 } }, at: { a: 'h1' } });
    expect(await verify(doc, [])).toEqual({ valid: true, violations: [], cost: 0, moves: 0 });
  });
});

describe('a plan that names things wrongly', () => {
  it('is rejected for an unknown VM', async () => {
    const result = await verify(roomy, waves('a:h1>h2', 'ghost:h1>h2'));
    expect(result.valid).toBe(false);
    expect(result.violations).toEqual([
      expect.objectContaining({ rule: 'plan', vm: 'ghost', wave: 2, phase: 'during', message: expect.stringMatching(/unknown VM ghost/) }),
    ]);
  });

  it('is rejected for an unknown host, as source or as destination', async () => {
    const to = await verify(roomy, waves('a:h1>nowhere', 'a:h1>h2'));
    expect(to.violations).toEqual([
      expect.objectContaining({ rule: 'plan', vm: 'a', host: 'nowhere', wave: 1, phase: 'during', message: expect.stringMatching(/unknown host nowhere/) }),
    ]);
    const from = await verify(roomy, waves('a:nowhere>h2'));
    expect(from.violations).toEqual([
      expect.objectContaining({ rule: 'plan', vm: 'a', host: 'nowhere', wave: 1, phase: 'during' }),
      expect.objectContaining({ rule: 'target', phase: 'end', vm: 'a' }),
    ]);
  });

  it('is rejected when a VM is not on the stated source', async () => {
    const result = await verify(roomy, waves('a:h3>h2'));
    expect(result.violations).toEqual([
      expect.objectContaining({ rule: 'plan', vm: 'a', host: 'h3', wave: 1, phase: 'during', message: expect.stringMatching(/a is on h1, not on h3/) }),
      expect.objectContaining({ rule: 'target', phase: 'end', vm: 'a', host: 'h1' }),
    ]);
  });

  it('is rejected for a migration of a VM to the host it is on', async () => {
    const result = await verify(roomy, waves('b:h2>h2', 'a:h1>h2'));
    expect(result.violations).toEqual([
      expect.objectContaining({ rule: 'plan', vm: 'b', host: 'h2', wave: 1, phase: 'during', message: expect.stringMatching(/itself/) }),
    ]);
  });

  it('is rejected when a VM migrates twice in one wave', async () => {
    const result = await verify(roomy, waves('a:h1>h3 a:h1>h2'));
    expect(result.violations).toContainEqual(
      expect.objectContaining({ rule: 'plan', vm: 'a', wave: 1, phase: 'during', message: expect.stringMatching(/twice/) }),
    );
    const chained = await verify(roomy, waves('a:h1>h3 a:h3>h2'));
    expect(chained.violations).toContainEqual(expect.objectContaining({ rule: 'plan', vm: 'a', wave: 1, message: expect.stringMatching(/twice/) }));
  });

  it('is rejected for an empty wave, even when the rest is right', async () => {
    const result = await verify(roomy, waves('a:h1>h2', ''));
    expect(result.violations).toEqual([
      expect.objectContaining({ rule: 'plan', wave: 2, phase: 'during', message: expect.stringMatching(/empty/) }),
    ]);
  });
});

describe('a plan that runs too much at once', () => {
  const fanOut = cloud({
    hosts: { h1: { ram: 16 }, h2: { ram: 16 }, h3: { ram: 16 }, h4: { ram: 16 } },
    vms: { a: { ram: 1 }, b: { ram: 1 }, c: { ram: 1 } },
    at: { a: 'h1', b: 'h1', c: 'h2' },
    to: { a: 'h3', b: 'h4', c: 'h3' },
  });

  it('is rejected when a host sends more migrations than its outgoing limit', async () => {
    const result = await verify(fanOut, waves('a:h1>h3 b:h1>h4', 'c:h2>h3'));
    expect(result.violations).toEqual([
      expect.objectContaining({ rule: 'concurrency', host: 'h1', load: 2, limit: 1, wave: 1, phase: 'during', message: expect.stringMatching(/sends 2/) }),
    ]);
  });

  it('is rejected when a host receives more migrations than its incoming limit', async () => {
    const result = await verify(fanOut, waves('a:h1>h3 c:h2>h3', 'b:h1>h4'));
    expect(result.violations).toEqual([
      expect.objectContaining({ rule: 'concurrency', host: 'h3', load: 2, limit: 1, wave: 1, phase: 'during', message: expect.stringMatching(/receives 2/) }),
    ]);
  });

  it('follows per-host limits given in the instance', async () => {
    const doc: InstanceDoc = { ...fanOut, hosts: fanOut.hosts.map((h) => (h.name === 'h1' ? { ...h, maxOutgoing: 2 } : h)) };
    expect((await verify(doc, waves('a:h1>h3 b:h1>h4', 'c:h2>h3'))).violations).toEqual([]);
  });

  it('is rejected when a wave holds more migrations than maxPerWave', async () => {
    const doc = cloud({
      hosts: { h1: { ram: 16 }, h2: { ram: 16 }, h3: { ram: 16 }, h4: { ram: 16 }, h5: { ram: 16 }, h6: { ram: 16 } },
      vms: { a: { ram: 1 }, b: { ram: 1 }, c: { ram: 1 } },
      at: { a: 'h1', b: 'h2', c: 'h3' },
      to: { a: 'h4', b: 'h5', c: 'h6' },
      limits: { maxPerWave: 2 },
    });
    const result = await verify(doc, waves('a:h1>h4 b:h2>h5 c:h3>h6'));
    expect(result.violations).toEqual([
      expect.objectContaining({ rule: 'concurrency', load: 3, limit: 2, wave: 1, phase: 'during' }),
    ]);
    expect((await verify(doc, waves('a:h1>h4 b:h2>h5', 'c:h3>h6'))).violations).toEqual([]);
  });
});

describe('a plan that breaks a rule', () => {
  it('is rejected when capacity is exceeded only during a wave: the source is not released before the wave ends', async () => {
    // Were each source released at once, the swap would fit in one wave (6 <= 8 and 4 <= 8);
    // but both VMs count on both hosts until the wave ends: 6 + 4 > 8 on each.
    const doc = cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 } },
      vms: { a: { ram: 6 }, b: { ram: 4 } },
      at: { a: 'h1', b: 'h2' },
      to: { a: 'h2', b: 'h1' },
    });
    const result = await verify(doc, waves('a:h1>h2 b:h2>h1'));
    expect(result.valid).toBe(false);
    expect(result.violations).toEqual([
      expect.objectContaining({ rule: 'capacity', host: 'h1', resource: 'ram', load: 10, limit: 8, wave: 1, phase: 'during' }),
      expect.objectContaining({ rule: 'capacity', host: 'h2', resource: 'ram', load: 10, limit: 8, wave: 1, phase: 'during' }),
    ]);
  });

  it('is rejected when capacity is exceeded after a wave', async () => {
    // a parks on h2 next to b on its way to h3
    const doc = cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 }, h3: { ram: 8 } },
      vms: { a: { ram: 6 }, b: { ram: 4 } },
      at: { a: 'h1', b: 'h2' },
      to: { a: 'h3' },
    });
    const result = await verify(doc, waves('a:h1>h2', 'a:h2>h3'));
    expect(result.violations).toContainEqual(
      expect.objectContaining({ rule: 'capacity', host: 'h2', resource: 'ram', load: 10, limit: 8, wave: 1, phase: 'after' }),
    );
    expect(result.violations.map((v) => [v.rule, v.host, v.wave, v.phase])).toEqual([
      ['capacity', 'h2', 1, 'during'],
      ['capacity', 'h2', 1, 'after'],
      ['capacity', 'h2', 2, 'during'],
    ]);
  });

  it('is rejected when an arriving VM joins its anti-affinity partner, even one leaving in the same wave', async () => {
    const doc = cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 }, h3: { ram: 8 } },
      vms: { a: { demand: { ram: 1 }, group: 'web' }, b: { demand: { ram: 1 }, group: 'web' } },
      at: { a: 'h1', b: 'h2' },
      to: { a: 'h2', b: 'h3' },
    });
    const policy: PolicyDoc = { rules: ['anti-affinity'] };
    const result = await verify(doc, waves('a:h1>h2 b:h2>h3'), policy);
    expect(result.violations).toEqual([
      expect.objectContaining({ rule: 'anti-affinity', host: 'h2', vm: 'a', wave: 1, phase: 'during' }),
    ]);
    expect((await verify(doc, waves('b:h2>h3', 'a:h1>h2'), policy)).violations).toEqual([]);
  });

  it('reports what is wrong before the first wave, without a wave number', async () => {
    // A violation that names no host cannot be charged to an overloaded host (loadInstance refuses it).
    const model = compileModel(cloud({ hosts: { h1: { ram: 8 }, h2: { ram: 8 } }, vms: { a: { ram: 6 } }, at: { a: 'h1' }, to: { a: 'h2' } }));
    const { problem } = createKernel().configure({}, model);
    const always: SanityRule = { name: 'always', check: () => [{ rule: 'always', message: 'always broken' }], admits: () => true };
    const result = verifyPlan({ ...problem, rules: [...problem.rules, always] }, waves('a:h1>h2'));
    expect(result.violations[0]).toEqual(expect.objectContaining({ rule: 'always', phase: 'before' }));
    expect(result.violations[0]).not.toHaveProperty('wave');
  });

  it('excuses a host that starts over its capacity while it only sends (an overloaded start)', async () => {
    const model = compileModel(cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 } },
      vms: { a: { ram: 6 }, b: { ram: 4 } },
      at: { a: 'h1', b: 'h1' },
      to: { b: 'h2' },
    }));
    const { problem } = createKernel().configure({}, model);
    expect(verifyPlan(problem, waves('b:h1>h2'))).toMatchObject({ valid: true, violations: [] });
  });
});

describe('a plan that ends in the wrong place', () => {
  it('is rejected, naming each VM off its target and where it ended', async () => {
    const result = await verify(swap, waves('small:h2>spare'));
    expect(result.violations).toEqual([
      expect.objectContaining({ rule: 'target', phase: 'end', vm: 'big', host: 'h1', message: expect.stringMatching(/big ends on h1, its target is h2/) }),
      expect.objectContaining({ rule: 'target', phase: 'end', vm: 'small', host: 'spare', message: expect.stringMatching(/small ends on spare, its target is h1/) }),
    ]);
  });

  it('is rejected when it moves a VM that should stay and does not bring it back', async () => {
    const result = await verify(roomy, waves('a:h1>h2 b:h2>h3'));
    expect(result.violations).toEqual([expect.objectContaining({ rule: 'target', phase: 'end', vm: 'b', host: 'h3' })]);
  });

  it('is the empty plan\'s fault when something had to move', async () => {
    const result = await verify(roomy, []);
    expect(result).toMatchObject({ valid: false, cost: 0, moves: 0 });
    expect(result.violations).toEqual([expect.objectContaining({ rule: 'target', vm: 'a' })]);
  });
});

describe('violations carry their wave and phase', () => {
  it('numbers waves from 1 and tells during from after', async () => {
    const doc = cloud({
      hosts: { h1: { ram: 8 }, h2: { ram: 8 }, h3: { ram: 8 } },
      vms: { a: { ram: 3 }, b: { ram: 6 }, c: { ram: 4 } },
      at: { a: 'h1', b: 'h2', c: 'h3' },
      to: { a: 'h3', c: 'h1' },
    });
    // Waves 1 and 2 are fine (h3 holds 3 + 4 while a arrives); wave 3 sends b onto h1,
    // where c already is: 4 + 6 > 8 during the wave and after it, and b ends off its target.
    const result = await verify(doc, waves('a:h1>h3', 'c:h3>h1', 'b:h2>h1'));
    expect(result.violations.map((v) => [v.rule, v.wave, v.phase, v.host])).toEqual([
      ['capacity', 3, 'during', 'h1'],
      ['capacity', 3, 'after', 'h1'],
      ['target', undefined, 'end', 'h1'],
    ]);
    for (const v of result.violations.filter((x) => x.wave !== undefined)) {
      expect(formatViolation(v)).toContain(`wave ${v.wave}`);
    }
  });
});

describe('shunt verify', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shunt-verify-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('exits 0 on a valid plan and says so', async () => {
    const r = await shunt('verify', file('swap.json', swap), file('good.json', { waves: waves('small:h2>spare', 'big:h1>h2', 'small:spare>h1') }));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/valid: 3 migrations, cost 14/);
  });

  it('exits 1 on an invalid plan and prints every violation', async () => {
    const plan = waves('big:h1>h2 small:h2>h1');
    const expected = await verify(swap, plan);
    expect(expected.violations.length).toBeGreaterThan(1);
    const r = await shunt('verify', file('swap.json', swap), file('bad.json', { waves: plan }));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`invalid: ${expected.violations.length} violations`);
    for (const v of expected.violations) expect(r.stdout).toContain(formatViolation(v));
  });

  it('exits 2 on a plan that does not follow the plan schema, naming the JSON path', async () => {
    const r = await shunt('verify', file('swap.json', swap), file('malformed.json', {
      waves: [{ migrations: [{ vm: 'small', from: 'h2' }, { vm: 'big', from: 'h1', to: 'h2', speed: 'fast' }] }],
    }));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\/waves\/0\/migrations\/0\/to: is required/);
    expect(r.stderr).toMatch(/\/waves\/0\/migrations\/1\/speed: unknown key/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });
});
