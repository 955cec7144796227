/**
 * The round trip an operator makes, through the command line: API responses -> import ->
 * plan -> runbook (run against a fake `openstack`) or Watcher audit.
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InstanceDoc } from '../src/model/instance.js';
import type { Plan } from '../src/model/plan.js';
import { planMigrations } from '../src/api.js';
import { importOpenStack } from '../src/interop/openstack/import.js';
import { exportRunbook } from '../src/interop/openstack/runbook.js';
import { exportWatcher } from '../src/interop/openstack/watcher.js';
import { exactCloud } from '../bench/exact-cloud.js';
import { writeOpenStackDir } from '../bench/openstack-cloud.js';
import { fakeOpenStack } from './openstack-fake-cli.js';
import { cli as shunt } from './helpers.js';

const FIXTURE = join(__dirname, 'fixtures', 'openstack', 'small');

/** The commands an operator runs (in process: the commands are the point, not the process): import, plan, export script. */
async function commands(dir: string) {
  const work = mkdtempSync(join(tmpdir(), 'shunt-rt-'));
  const instanceFile = join(work, 'instance.json');
  const planFile = join(work, 'plan.json');
  const script = join(work, 'runbook.sh');
  const imported = await shunt(['import', 'openstack', dir, '--out', instanceFile]);
  expect(imported.code, imported.stderr).toBe(0);
  const planned = await shunt(['plan', instanceFile, '--out', planFile]);
  expect(planned.code, planned.stderr).toBe(0);
  const exported = await shunt(['export', 'openstack', instanceFile, planFile, '--format', 'script', '--out', script]);
  expect(exported.code, exported.stderr).toBe(0);
  return { work, instanceFile, planFile, script, imported };
}

/** The commands, then the runbook against a fake cloud in the imported placement. */
async function roundTrip(dir: string) {
  const { work, instanceFile, planFile, script, imported } = await commands(dir);
  const instance = JSON.parse(readFileSync(instanceFile, 'utf8')) as InstanceDoc;
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
  const fake = fakeOpenStack(work, instance.placement);
  const r = spawnSync(script, [], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, PATH: `${fake.bin}:${process.env['PATH']}`, FAKE_OS_DIR: fake.dir, FAKE_OS_SLEEP: '0.05' } });
  return { instance, plan, fake, imported, run: { code: r.status, stderr: r.stderr } };
}

/** The same in process (the command line is not the point): import, plan, runbook run against a fake cloud. */
async function roundTripInProcess(dir: string) {
  const work = mkdtempSync(join(tmpdir(), 'shunt-rt-'));
  const { instance } = importOpenStack(dir);
  const { plan } = await planMigrations(instance, { source: dir });
  const script = join(work, 'runbook.sh');
  writeFileSync(script, exportRunbook(plan, { planSource: 'plan', instanceSource: dir }), { mode: 0o755 });
  const fake = fakeOpenStack(work, instance.placement);
  const r = spawnSync(script, [], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, PATH: `${fake.bin}:${process.env['PATH']}`, FAKE_OS_DIR: fake.dir, FAKE_OS_SLEEP: '0.05' } });
  return { instance, plan, fake, run: { code: r.status, stderr: r.stderr } };
}

describe('the OpenStack round trip', () => {
  it('takes the small cloud from its API responses to its target through the runbook', async () => {
    const { instance, plan, fake, run, imported } = await roundTrip(FIXTURE);
    expect(imported.stderr).toMatch(/shunt: warning: .*: server c3000000-0000-4000-8000-000000000005 pinned to cmp-02: status SHUTOFF/);
    expect(run.code, run.stderr).toBe(0);
    expect(plan.stats.moves).toBe(1);
    for (const [vm, host] of Object.entries(instance.target!)) expect(fake.hostOf(vm)).toBe(host);
    expect(run.stderr).toContain('(app-1 cmp-02 -> cmp-01): migrating');
  });

  it('takes a generated cloud with a detour to its target, every VM where the plan ends', async () => {
    const doc = exactCloud({ hosts: 6, vms: 16, seed: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'shunt-gen-'));
    const uuid = writeOpenStackDir(doc, dir, { pageSize: 7 });
    const { instance, plan, fake, run } = await roundTripInProcess(dir);
    expect(run.code, run.stderr).toBe(0);
    expect(plan.stats.detours).toBeGreaterThan(0);
    for (const vm of instance.vms) expect(fake.hostOf(vm.name)).toBe(instance.target?.[vm.name] ?? instance.placement[vm.name]);
    for (const [name, host] of Object.entries(doc.target ?? {})) expect(fake.hostOf(uuid.get(name)!)).toBe(host);
    expect(fake.migrateCalls()).toHaveLength(plan.stats.moves);
  });

  it('writes the Watcher audit with one live migrate action per migration, in plan order, asking for parallelisation 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shunt-gen-'));
    writeOpenStackDir(exactCloud({ hosts: 6, vms: 16, seed: 1 }), dir);
    const { instance } = importOpenStack(dir);
    const { plan } = await planMigrations(instance, { source: dir });
    const text = exportWatcher(plan, { planSource: 'plan', instanceSource: dir });
    expect(text).toMatch(/^# {3}parallelization = migrate:1,/m);
    expect(text).toContain("openstack optimize audittemplate create 'shunt-actuator' unclassified --strategy actuator");
    const line = text.split('\n').find((l) => l.startsWith('openstack optimize audit create'))!;
    const actions = JSON.parse(/actions='(.*)'$/.exec(line)![1]!) as unknown[];
    expect(actions).toEqual(plan.waves.flatMap((w) => w.migrations.map((m) => ({
      action_type: 'migrate', resource_id: m.vm, input_parameters: { migration_type: 'live', source_node: m.from, destination_node: m.to },
    }))));
    expect(actions.length).toBeGreaterThan(1);
    expect(spawnSync('bash', ['-n'], { input: text }).status).toBe(0);
  });

  it('refuses to export a plan that fails verification, and an unknown format', async () => {
    const { work, instanceFile, planFile } = await commands(FIXTURE);
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
    plan.waves[0]!.migrations[0]!.to = 'cmp-03';
    const bad = join(work, 'bad-plan.json');
    writeFileSync(bad, JSON.stringify(plan));
    const r = await shunt(['export', 'openstack', instanceFile, bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the plan fails verification against \S+; nothing exported/);
    expect(r.stdout).toBe('');
    const f = await shunt(['export', 'openstack', instanceFile, planFile, '--format', 'ansible']);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('shunt: --format: /: must be script or watcher (got "ansible")');
  });

  it('exits 2 naming file and JSON path when a response is bad', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shunt-bad-'));
    writeFileSync(join(dir, 'services.json'), JSON.stringify({ services: [{ host: 'cmp-01', status: 7 }] }));
    const r = await shunt(['import', 'openstack', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`shunt: ${join(dir, 'services.json')}: /services/0/status: expected a non-empty string, found 7\n`);
  });
});
