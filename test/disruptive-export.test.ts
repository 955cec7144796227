/**
 * Plans with disruptive actions leave shunt as what the other side can run: the OpenStack
 * runbook (cold migrate and confirm, shelve --offload, unshelve --host), Watcher actions (cold
 * migrate; shelving refused), BtrPlace actions (shutdownVM / bootVM).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstanceDoc } from '../src/model/instance.js';
import type { Plan } from '../src/model/plan.js';
import { planMigrations } from '../src/api.js';
import { exportRunbook } from '../src/interop/openstack/runbook.js';
import { watcherActions } from '../src/interop/openstack/watcher.js';
import { exportBtrPlace } from '../src/interop/btrplace-export.js';
import { InputError } from '../src/io/errors.js';
import { cloud, shunt } from './helpers.js';
import { fakeOpenStack } from './openstack-fake-cli.js';

const swap: InstanceDoc = cloud({
  hosts: { h1: { ram: 8192 }, h2: { ram: 8192 } },
  vms: { a: { demand: { ram: 8192 }, sla: { shelve: true } }, b: { demand: { ram: 8192 } } },
  at: { a: 'h1', b: 'h2' },
  to: { a: 'h2', b: 'h1' },
});

const hot: InstanceDoc = cloud({
  hosts: { h1: { capacity: { ram: 16384 }, attributes: { bandwidth: 1000 } }, h2: { capacity: { ram: 16384 }, attributes: { bandwidth: 1000 } } },
  vms: { db: { demand: { ram: 8192 }, sla: { cold: true }, attributes: { dirtyRate: 500 } } },
  at: { db: 'h1' },
  to: { db: 'h2' },
});

async function planned(doc: InstanceDoc, allow: ('cold' | 'shelve')[]): Promise<Plan> {
  const { plan } = await planMigrations(doc, { allow, source: 'test' });
  expect(plan.formatVersion).toBe(2);
  return plan;
}

function runRunbook(doc: InstanceDoc, plan: Plan) {
  const root = mkdtempSync(join(tmpdir(), 'shunt-disrupt-'));
  const fake = fakeOpenStack(root, doc.placement);
  const script = join(root, 'runbook.sh');
  writeFileSync(script, exportRunbook(plan, { planSource: 'plan.json', instanceSource: 'instance.json' }), { mode: 0o755 });
  const run = () => spawnSync('bash', [script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: `${fake.bin}:${process.env['PATH']}`, FAKE_OS_DIR: fake.dir, FAKE_OS_SLEEP: '0' } });
  return { fake, run };
}

describe('export openstack --format script', () => {
  it('shelves with --offload, moves the other server and unshelves onto the plan\'s host (API 2.91), ending on the target', async () => {
    const plan = await planned(swap, ['shelve']);
    const { fake, run } = runRunbook(swap, plan);
    const r = run();
    expect(r.stderr).toMatch(/runbook finished/);
    expect(r.status).toBe(0);
    expect(fake.calls()).toEqual([
      'server shelve --offload --wait a',
      '--os-compute-api-version 2.30 server migrate --live-migration --host h1 --wait b',
      '--os-compute-api-version 2.91 server unshelve --host h2 --wait a',
    ]);
    expect([fake.hostOf('a'), fake.hostOf('b')]).toEqual(['h2', 'h1']);
  });

  it('a rerun after the end skips every step (a shelved-then-unshelved server is on its destination)', async () => {
    const plan = await planned(swap, ['shelve']);
    const { fake, run } = runRunbook(swap, plan);
    expect(run().status).toBe(0);
    const before = fake.calls().length;
    expect(run().status).toBe(0);
    expect(fake.calls().length).toBe(before);
  });

  it('migrates cold with --host (API 2.56) and confirms the migration', async () => {
    const plan = await planned(hot, ['cold']);
    const { fake, run } = runRunbook(hot, plan);
    const r = run();
    expect(r.status).toBe(0);
    expect(fake.calls()).toEqual([
      '--os-compute-api-version 2.56 server migrate --host h2 --wait db',
      'server resize confirm db',
    ]);
    expect(fake.hostOf('db')).toBe('h2');
  });
});

describe('export openstack --format watcher', () => {
  it('gives a cold move migration_type cold', async () => {
    const actions = watcherActions(await planned(hot, ['cold']));
    expect(actions).toEqual([{ action_type: 'migrate', resource_id: 'db', input_parameters: { migration_type: 'cold', source_node: 'h1', destination_node: 'h2' } }]);
  });

  it('refuses a plan with shelving, naming the step and the format that runs it', async () => {
    const plan = await planned(swap, ['shelve']);
    expect(() => watcherActions(plan)).toThrow(InputError);
    try {
      watcherActions(plan);
    } catch (e) {
      expect((e as InputError).issues[0]).toMatchObject({ path: '/waves/0/migrations/0/action' });
      expect((e as InputError).issues[0]!.message).toMatch(/use --format script/);
    }
  });
});

describe('export btrplace', () => {
  it('maps a shelve to shutdownVM and its unshelve to bootVM, in wave order, and says what BtrPlace does not model', async () => {
    const plan = await planned(swap, ['shelve']);
    const out = exportBtrPlace(swap, plan);
    const ids = out.plan.actions.map((a) => a.id);
    expect(ids).toEqual(['shutdownVM', 'migrateVM', 'bootVM']);
    const [down, move, boot] = out.plan.actions as { start: number; end: number }[];
    expect(down!.end).toBeLessThanOrEqual(move!.start);
    expect(move!.end).toBeLessThanOrEqual(boot!.start);
    expect(out.warnings.join('\n')).toMatch(/shutdownVM\/bootVM/);
  });

  it('maps a cold move to a shutdownVM on its source followed by a bootVM on its destination', async () => {
    const plan = await planned(hot, ['cold']);
    const out = exportBtrPlace(hot, plan);
    const vmActions = out.plan.actions.filter((a) => a.id === 'shutdownVM' || a.id === 'bootVM') as { id: string; on: number; start: number; end: number }[];
    expect(vmActions.map((a) => a.id)).toEqual(['shutdownVM', 'bootVM']);
    expect(vmActions[0]!.end).toBe(vmActions[1]!.start);
    expect(vmActions[0]!.on).not.toBe(vmActions[1]!.on);
  });
});

describe('shunt report', () => {
  it('draws a plan with shelving after checking that it runs wave by wave', async () => {
    const plan = await planned(swap, ['shelve']);
    const dir = mkdtempSync(join(tmpdir(), 'shunt-disrupt-'));
    writeFileSync(join(dir, 'instance.json'), JSON.stringify(swap));
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
    const r = await shunt('report', join(dir, 'instance.json'), join(dir, 'plan.json'), '--out', join(dir, 'plan.html'));
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'plan.html'), 'utf8')).toContain('unshelve');
  });

  it('refuses a plan with shelving whose steps do not wait for the wave before', async () => {
    const plan = await planned(swap, ['shelve']);
    plan.waves[2]!.migrations[0]!.after = [];
    const dir = mkdtempSync(join(tmpdir(), 'shunt-disrupt-'));
    writeFileSync(join(dir, 'instance.json'), JSON.stringify(swap));
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
    const r = await shunt('report', join(dir, 'instance.json'), join(dir, 'plan.json'), '--out', join(dir, 'plan.html'));
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, 'plan.html'))).toBe(false);
  });
});
