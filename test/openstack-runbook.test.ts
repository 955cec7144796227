/**
 * The bash runbook, run against a fake `openstack` on PATH: it follows the plan's
 * dependencies, never runs more at once than the plan allows, stops at the first failure
 * naming the migration, and resumes from its state file, also across detours.
 */
import 'reflect-metadata';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planMigrations } from '../src/api.js';
import type { InstanceDoc } from '../src/model/instance.js';
import type { Plan } from '../src/model/plan.js';
import { exportRunbook } from '../src/interop/openstack/runbook.js';
import { planSteps } from '../src/interop/openstack/steps.js';
import { cloud } from './helpers.js';
import { exactCloud } from '../bench/exact-cloud.js';
import { fakeOpenStack, type FakeCloud } from './openstack-fake-cli.js';

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

interface Run { code: number | null; stderr: string }

function setUp(doc: InstanceDoc, plan: Plan) {
  const root = mkdtempSync(join(tmpdir(), 'shunt-runbook-'));
  const fake = fakeOpenStack(root, doc.placement);
  const script = join(root, 'runbook.sh');
  writeFileSync(script, exportRunbook(plan, { planSource: 'plan.json', instanceSource: 'instance.json' }), { mode: 0o755 });
  const run = (env: Record<string, string> = {}): Run => {
    const r = spawnSync('bash', [script], {
      encoding: 'utf8', timeout: 120_000,
      env: { ...process.env, PATH: `${fake.bin}:${process.env['PATH']}`, FAKE_OS_DIR: fake.dir, FAKE_OS_SLEEP: '0.2', ...env },
    });
    return { code: r.status, stderr: r.stderr };
  };
  return { root, fake, script, run, state: join(root, 'runbook.state') };
}

async function planned(doc: InstanceDoc): Promise<Plan> {
  const { plan } = await planMigrations(doc, { source: 'test' });
  expect(plan.status === 'optimal' || plan.status === 'feasible').toBe(true);
  return plan;
}

/** Checks the event log against the plan: dependencies respected, limits never exceeded. */
function checkSchedule(plan: Plan, fake: FakeCloud, limit: number) {
  const steps = planSteps(plan);
  const events = fake.events();
  // The i-th migration of a VM in the log is the VM's i-th step in the plan.
  const stepsOf = new Map<string, number[]>();
  for (const s of steps) stepsOf.set(s.vm, [...(stepsOf.get(s.vm) ?? []), s.index]);
  const seen = new Map<string, number>();
  const startAt = new Map<number, number>();
  const endAt = new Map<number, number>();
  const running = new Map<number, { from: string; to: string }>();
  let most = 0;
  events.forEach(([kind, vm, from, to], t) => {
    if (kind === 'start') {
      const i = seen.get(vm) ?? 0;
      const k = stepsOf.get(vm)![i]!;
      expect([from, to]).toEqual([steps[k]!.from, steps[k]!.to]);
      startAt.set(k, t);
      running.set(k, { from, to });
      most = Math.max(most, running.size);
      const out = [...running.values()].filter((r) => r.from === from).length;
      const inc = [...running.values()].filter((r) => r.to === to).length;
      expect(out, `two migrations leave ${from} at once`).toBeLessThanOrEqual(1);
      expect(inc, `two migrations arrive at ${to} at once`).toBeLessThanOrEqual(1);
      expect(running.size).toBeLessThanOrEqual(limit);
    } else {
      // A failed attempt ends without the step being done: the VM's next start is the same step.
      const k = stepsOf.get(vm)![seen.get(vm) ?? 0]!;
      running.delete(k);
      if (kind === 'fail') return;
      seen.set(vm, (seen.get(vm) ?? 0) + 1);
      endAt.set(k, t);
    }
  });
  for (const s of steps) {
    for (const d of s.after) expect(endAt.get(d)!, `step ${s.index} started before step ${d} ended`).toBeLessThan(startAt.get(s.index)!);
  }
  return most;
}

const independent = cloud({
  hosts: { h1: { ram: 8 }, h2: { ram: 8 }, h3: { ram: 8 }, h4: { ram: 8 }, h5: { ram: 8 }, h6: { ram: 8 } },
  vms: { a: { ram: 4 }, b: { ram: 4 }, c: { ram: 4 }, d: { ram: 6 } },
  at: { a: 'h1', b: 'h3', c: 'h5', d: 'h2' },
  to: { a: 'h2', b: 'h4', c: 'h6', d: 'h1' },
});

const cycle = cloud({
  hosts: { h1: { ram: 8 }, h2: { ram: 8 }, h3: { ram: 8 }, spare: { ram: 8 } },
  vms: { a: { ram: 5 }, b: { ram: 6 }, c: { ram: 7 } },
  at: { a: 'h1', b: 'h2', c: 'h3' },
  to: { a: 'h2', b: 'h3', c: 'h1' },
});

describe('the OpenStack runbook', () => {
  it('passes bash -n', async () => {
    const { script } = setUp(cycle, await planned(cycle));
    expect(spawnSync('bash', ['-n', script]).status).toBe(0);
  });

  it.skipIf(!hasShellcheck)(`passes shellcheck${hasShellcheck ? '' : ' (skipped: shellcheck is not installed; Debian: apt-get install -y shellcheck)'}`, async () => {
    const { script } = setUp(cycle, await planned(cycle));
    const sc = spawnSync('shellcheck', [script], { encoding: 'utf8' });
    expect(sc.stdout).toBe('');
    expect(sc.status).toBe(0);
  });

  it('runs every migration once its dependencies are done, in parallel where the plan allows, to the target', async () => {
    const plan = await planned(independent);
    const { fake, run } = setUp(independent, plan);
    const r = run();
    expect(r.code, r.stderr).toBe(0);
    for (const [vm, host] of Object.entries(independent.target!)) expect(fake.hostOf(vm)).toBe(host);
    const most = checkSchedule(plan, fake, Math.max(...plan.waves.map((w) => w.migrations.length)));
    expect(most).toBeGreaterThan(1);
    expect(fake.migrateCalls().every((c) => c.startsWith('--os-compute-api-version 2.30 server migrate --live-migration --host '))).toBe(true);
    expect(r.stderr).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ runbook finished: all ${planSteps(plan).length} step\\(s\\) done$`, 'm'));
  });

  it('never runs more at once than SHUNT_MAX_PARALLEL', async () => {
    const plan = await planned(independent);
    const { fake, run } = setUp(independent, plan);
    expect(run({ SHUNT_MAX_PARALLEL: '1' }).code).toBe(0);
    expect(checkSchedule(plan, fake, 1)).toBe(1);
  });

  it('stops at the first failure naming the migration, then resumes without repeating finished steps', async () => {
    const plan = await planned(cycle);
    const steps = planSteps(plan);
    const back = steps.find((s) => s.from === 'spare')!;
    const { fake, run, state } = setUp(cycle, plan);
    fake.failNext(back.vm, back.to);
    const first = run();
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(`STOPPED: step ${back.index + 1}/${steps.length} failed: server ${back.vm} (${back.vm}) spare -> ${back.to}`);
    const finished = readFileSync(state, 'utf8').split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
    expect(finished).not.toContain(back.index);
    expect(fake.hostOf(back.vm)).toBe('spare');
    const callsBefore = fake.migrateCalls().length;
    const second = run();
    expect(second.code, second.stderr).toBe(0);
    // Only the failed step and those after it ran again: the park was not repeated.
    expect(fake.migrateCalls().length - callsBefore).toBe(steps.length - finished.length);
    for (const [vm, host] of Object.entries(cycle.target!)) expect(fake.hostOf(vm)).toBe(host);
    checkSchedule(plan, fake, steps.length);
  });

  it('gets to the target through repeated failures and reruns, never repeating a finished step', async () => {
    const doc = exactCloud({ hosts: 6, vms: 16, seed: 2 });
    const plan = await planned(doc);
    const steps = planSteps(plan);
    expect(plan.stats.detours).toBeGreaterThan(0);
    const { fake, run } = setUp(doc, plan);
    const failing = [steps[1]!, steps[steps.length - 1]!];
    for (const s of failing) fake.failNext(s.vm, s.to);
    const codes: (number | null)[] = [];
    for (let i = 0; i < 5 && codes.at(-1) !== 0; i++) codes.push(run().code);
    expect(codes).toEqual([1, 1, 0].slice(3 - codes.length));
    expect(fake.migrateCalls()).toHaveLength(steps.length + failing.length);
    for (const vm of doc.vms) expect(fake.hostOf(vm.name)).toBe(doc.target?.[vm.name] ?? doc.placement[vm.name]);
    checkSchedule(plan, fake, steps.length);
  });

  it('tells the visits of a host apart by step: a server parked and brought back is not taken for done', async () => {
    const doc = cloud({ hosts: { h1: { ram: 8 }, p: { ram: 8 } }, vms: { x: { ram: 4 } }, at: { x: 'h1' } });
    const plan: Plan = {
      status: 'feasible', engine: 'hand', cost: 8, lowerBound: 0, stats: { moves: 2, waves: 2, seconds: 0 },
      waves: [{ migrations: [{ vm: 'x', from: 'h1', to: 'p' }] }, { migrations: [{ vm: 'x', from: 'p', to: 'h1' }] }],
    };
    const { fake, run } = setUp(doc, plan);
    fake.failNext('x', 'h1');
    expect(run().code).toBe(1);
    expect(fake.hostOf('x')).toBe('p');
    expect(run().code).toBe(0);
    expect(fake.hostOf('x')).toBe('h1');
    expect(fake.migrateCalls()).toHaveLength(3);
    // Finished: a rerun does nothing at all.
    expect(run().code).toBe(0);
    expect(fake.migrateCalls()).toHaveLength(3);
  });

  it('skips a migration that already happened but was not recorded (stopped between migrate and record)', async () => {
    const plan = await planned(independent);
    const { fake, run, state } = setUp(independent, plan);
    expect(run().code).toBe(0);
    const lines = readFileSync(state, 'utf8').split('\n').filter(Boolean);
    writeFileSync(state, lines.slice(0, -1).join('\n') + '\n');
    const calls = fake.migrateCalls().length;
    const again = run();
    expect(again.code).toBe(0);
    expect(fake.migrateCalls()).toHaveLength(calls);
    expect(again.stderr).toMatch(/already on h\d, skipped/);
  });

  it('on an interrupt says that started migrations go on, and a rerun after them finishes the plan', async () => {
    const plan = await planned(independent);
    const { fake, script, run } = setUp(independent, plan);
    const child = spawn('bash', [script], { detached: true, env: { ...process.env, PATH: `${fake.bin}:${process.env['PATH']}`, FAKE_OS_DIR: fake.dir, FAKE_OS_SLEEP: '1' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 200 && !fake.events().some(([k]) => k === 'start'); i++) await new Promise((r) => setTimeout(r, 50));
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted: migrations already started go on in Nova; rerun when they are done/);
    // The migrations already started finish on their own, as in Nova.
    for (let i = 0; i < 200 && fake.events().filter(([k]) => k === 'start').length > fake.events().filter(([k]) => k === 'end').length; i++) await new Promise((r) => setTimeout(r, 50));
    const again = run();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/already on h\d, skipped/);
    for (const [vm, host] of Object.entries(independent.target!)) expect(fake.hostOf(vm)).toBe(host);
    expect(fake.migrateCalls()).toHaveLength(planSteps(plan).length);
  });

  it('refuses to move a server that is not ACTIVE on its expected host', async () => {
    const plan = await planned(independent);
    const { fake, run } = setUp(independent, plan);
    const first = planSteps(plan)[0]!;
    fake.setStatus(first.vm, 'SHUTOFF');
    const r = run();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`server is SHUTOFF, expected ACTIVE`);
    expect(fake.events().some(([, vm]) => vm === first.vm)).toBe(false);
  });

  it('refuses a state file of another plan', async () => {
    const plan = await planned(independent);
    const { run, state } = setUp(independent, plan);
    writeFileSync(state, '# shunt-plan 0000000000000000\n0\n');
    const r = run();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/belongs to another plan/);
    expect(existsSync(state)).toBe(true);
  });

  it('does nothing, successfully, for a plan without migrations', () => {
    const doc = cloud({ hosts: { h1: { ram: 8 } }, vms: { x: { ram: 4 } }, at: { x: 'h1' } });
    const { run, fake } = setUp(doc, { status: 'optimal', engine: 'heuristic', cost: 0, lowerBound: 0, stats: { moves: 0, waves: 0, seconds: 0 }, waves: [] });
    const r = run();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/runbook finished: all 0 step\(s\) done/);
    expect(fake.migrateCalls()).toHaveLength(0);
  });

  it('checks its prerequisites: the client and credentials', async () => {
    const plan = await planned(independent);
    const { run, fake } = setUp(independent, plan);
    const noClient = run({ PATH: '/usr/bin:/bin' });
    expect(noClient.code).toBe(1);
    expect(noClient.stderr).toMatch(/the openstack client is not on PATH/);
    const noCredentials = run({ FAKE_OS_NO_AUTH: '1' });
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.stderr).toMatch(/no valid OpenStack credentials/);
    expect(fake.migrateCalls()).toHaveLength(0);
  });
});
