/**
 * The examples in examples/ are documentation that runs: each one shows one
 * behaviour of the planner through the command line, and these tests hold the
 * command line (run in process) to what examples/README.md says.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { shunt } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
const PLUGINS = join(EXAMPLES, 'plugins');
const PLUGIN_DEMO = join(PLUGINS, 'demo', 'instance.json');
const POLICY_HEADROOM = join(EXAMPLES, 'policy-headroom.json');
const scratch = mkdtempSync(join(tmpdir(), 'shunt-examples-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run { code: number | null; stdout: string; stderr: string }
interface Migration { vm: string; from: string; to: string }
interface Plan {
  status: 'optimal' | 'feasible' | 'infeasible' | 'unknown';
  waves: { migrations: Migration[] }[];
  cost: number | null;
  stats: { moves: number; waves: number; detours?: number };
}
interface Instance {
  hosts: { name: string; zone?: string; capacity?: Record<string, number>; reserved?: Record<string, number>; allocationRatio?: Record<string, number> }[];
  vms: { name: string; demand?: Record<string, number>; group?: string }[];
  placement: Record<string, string>;
  target?: Record<string, string>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

let files = 0;
function scratchFile(name: string, content: unknown): string {
  const file = join(scratch, `${++files}-${name}`);
  writeFileSync(file, JSON.stringify(content, null, 2));
  return file;
}

/** Plans with --json; fails the test, showing stderr, unless the exit code is the expected one. */
async function plan(args: string[], expectedCode = 0): Promise<Plan> {
  const r = await shunt('plan', ...args, '--json');
  expect(r.code, `shunt plan ${args.join(' ')}\n${r.stderr}`).toBe(expectedCode);
  return JSON.parse(r.stdout) as Plan;
}

/** `shunt verify` on a plan, with the options it was made with. */
async function verify(instance: string, p: Plan, options: string[] = []): Promise<Run> {
  return shunt('verify', instance, scratchFile('plan.json', p), ...options);
}

/**
 * Replays the waves and calls `visit` with the VMs present on every host at
 * each moment: before the first wave, during each wave (a migrating VM is on
 * its source and on its destination) and after it.
 */
function replay(instance: Instance, p: Plan, visit: (present: Map<string, Set<string>>, moment: string) => void): Record<string, string> {
  const at: Record<string, string> = { ...instance.placement };
  const present = () => {
    const m = new Map<string, Set<string>>(instance.hosts.map((h) => [h.name, new Set<string>()]));
    for (const [vm, host] of Object.entries(at)) m.get(host)!.add(vm);
    return m;
  };
  visit(present(), 'before wave 1');
  p.waves.forEach((w, i) => {
    const during = present();
    for (const m of w.migrations) {
      expect(at[m.vm], `wave ${i + 1}: ${m.vm} leaves ${m.from}`).toBe(m.from);
      during.get(m.to)!.add(m.vm);
    }
    visit(during, `during wave ${i + 1}`);
    for (const m of w.migrations) at[m.vm] = m.to;
    visit(present(), `after wave ${i + 1}`);
  });
  return at;
}

/** (capacity - reserved) x ratio, as in OpenStack Placement. */
function usable(host: Instance['hosts'][number], r: string): number {
  const c = host.capacity?.[r];
  return c === undefined ? Infinity : (c - (host.reserved?.[r] ?? 0)) * (host.allocationRatio?.[r] ?? 1);
}

/** Where every VM should end: its target, or where it started. */
const finalPlacement = (i: Instance) => ({ ...i.placement, ...(i.target ?? {}) });

/**
 * What each example does on the command line. Every instance in examples/
 * must be listed here, so a new example cannot go untested.
 */
const EXPECTED: { instance: string; options?: string[]; code: number; status: Plan['status'][] }[] = [
  { instance: 'swap.json', code: 0, status: ['optimal'] },
  { instance: 'cycle.json', code: 0, status: ['optimal'] },
  { instance: 'chain.json', code: 0, status: ['optimal'] },
  { instance: 'cpu-overcommit.json', code: 0, status: ['optimal'] },
  { instance: 'impossible-swap.json', code: 3, status: ['infeasible'] },
  { instance: 'evict-bystander.json', code: 0, status: ['optimal'] },
  { instance: 'cloud-20.json', code: 0, status: ['optimal', 'feasible'] },
  { instance: 'cloud-20.json', options: ['--policy', POLICY_HEADROOM], code: 0, status: ['optimal', 'feasible'] },
  { instance: 'plugins/demo/instance.json', options: ['--plugins', PLUGINS], code: 0, status: ['optimal'] },
  { instance: 'plugins/demo/pack.json', options: ['--plugins', PLUGINS], code: 0, status: ['optimal'] }, // nothing to move until a strategy sets a target
];

/** Instances (not policies, manifests or scripts) under examples/. */
function exampleInstances(dir = EXAMPLES, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...exampleInstances(join(dir, e.name), `${prefix}${e.name}/`));
    else if (e.name.endsWith('.json') && 'hosts' in readJson<object>(join(dir, e.name))) out.push(prefix + e.name);
  }
  return out.sort();
}

describe('every example', () => {
  it('has an expected outcome in this file', () => {
    const listed = new Set(EXPECTED.map((e) => e.instance));
    expect(exampleInstances().filter((f) => !listed.has(f))).toEqual([]);
  });

  it('explains itself in one x-description sentence', () => {
    for (const f of [...exampleInstances(), 'policy-headroom.json']) {
      const d = readJson<Record<string, unknown>>(join(EXAMPLES, f))['x-description'];
      expect(typeof d === 'string' && d.length > 20, `${f} has an x-description`).toBe(true);
    }
  });

  const cases = EXPECTED.map((e) => ({ ...e, label: [e.instance, ...(e.options ?? []).map((o) => o.replace(EXAMPLES, 'examples'))].join(' ') }));
  describe.each(cases)('$label', ({ instance, options = [], code, status }) => {
    const file = join(EXAMPLES, instance);

    it(`exits ${code} with status ${status.join(' or ')}`, async () => {
      expect(status).toContain((await plan([file, ...options], code)).status);
    });

    if (code === 0) {
      it('prints with --json a plan that shunt verify accepts and that ends on the target', async () => {
        const p = await plan([file, ...options]);
        const v = await verify(file, p, options);
        expect(v.code, v.stdout + v.stderr).toBe(0);
        expect(v.stdout).toMatch(new RegExp(`^valid: ${p.stats.moves} migrations, cost ${p.cost}\\b`));
        const doc = readJson<Instance>(file);
        expect(replay(doc, p, () => {})).toEqual(finalPlacement(doc));
      });
    }
  });
});

describe('swap.json', () => {
  it('parks the smaller VM on the spare host, then swaps', async () => {
    const p = await plan([join(EXAMPLES, 'swap.json')]);
    expect(p.waves.map((w) => w.migrations.map(({ vm, from, to }) => ({ vm, from, to })))).toEqual([
      [{ vm: 'small', from: 'h2', to: 'spare' }],
      [{ vm: 'big', from: 'h1', to: 'h2' }],
      [{ vm: 'small', from: 'spare', to: 'h1' }],
    ]);
  });
});

describe('cycle.json', () => {
  it('breaks the 3-cycle with exactly one parking move, of the cheapest VM (c), at the least cost', async () => {
    const p = await plan([join(EXAMPLES, 'cycle.json')]);
    expect(p.stats.detours).toBe(1);
    expect(p.waves[0]!.migrations).toMatchObject([{ vm: 'c', from: 'h3', to: 'spare' }]);
    expect(p.cost).toBe(6144 + 6144 + 2 * 4096);
  });
});

describe('chain.json', () => {
  it('moves one VM per wave, from the end of the chain backwards', async () => {
    const p = await plan([join(EXAMPLES, 'chain.json')]);
    expect(p.waves.map((w) => w.migrations.map((m) => `${m.vm}:${m.from}->${m.to}`))).toEqual(
      [6, 5, 4, 3, 2, 1].map((i) => [`v${i}:h${i}->h${i + 1}`]),
    );
  });
});

describe('cpu-overcommit.json', () => {
  const file = join(EXAMPLES, 'cpu-overcommit.json');

  it('needs a parking move because the vCPUs, not the RAM, are full at allocation ratio 4', async () => {
    const doc = readJson<Instance>(file);
    const p = await plan([file]);
    expect(p.stats.detours).toBe(1);
    // RAM never comes close to its limit, CPU does.
    let ramPeak = 0;
    let cpuPeak = 0;
    replay(doc, p, (present) => {
      for (const h of doc.hosts) {
        const vms = [...present.get(h.name)!].map((n) => doc.vms.find((v) => v.name === n)!);
        const sum = (r: string) => vms.reduce((s, v) => s + (v.demand?.[r] ?? 0), 0);
        ramPeak = Math.max(ramPeak, sum('ram') / usable(h, 'ram'));
        cpuPeak = Math.max(cpuPeak, sum('cpu') / usable(h, 'cpu'));
      }
    });
    expect(cpuPeak).toBe(1);
    expect(ramPeak).toBeLessThan(0.7);
  });

  it('swaps directly once an over-commit override raises the CPU ratio to 8', async () => {
    const policy = scratchFile('ratio-8.json', { overcommit: { name: 'overcommit', options: { overrides: [{ hosts: '*', allocationRatio: { cpu: 8 } }] } } });
    const p = await plan([file, '--policy', policy]);
    expect(p.stats.moves).toBe(2);
    expect(p.stats.detours).toBe(0);
  });
});

describe('impossible-swap.json', () => {
  it('is reported infeasible (exit 3) with no waves and an explanation naming both blocked VMs', async () => {
    const p = await plan([join(EXAMPLES, 'impossible-swap.json')], 3);
    expect(p.status).toBe('infeasible');
    expect(p.waves).toEqual([]);
    expect(p.cost).toBeNull();
    const why = (p as Plan & { explanation?: string[] }).explanation?.join('\n') ?? '';
    expect(why).toMatch(/big cannot move h1 -> h2/);
    expect(why).toMatch(/small cannot move h2 -> h1/);
  });

  it('says so in words without --json', async () => {
    const r = await shunt('plan', join(EXAMPLES, 'impossible-swap.json'));
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^no plan exists \(proven/);
  });
});

describe('evict-bystander.json', () => {
  it('parks a VM that has no target and brings it back to its host', async () => {
    const file = join(EXAMPLES, 'evict-bystander.json');
    const doc = readJson<Instance>(file);
    const p = await plan([file]);
    const bystanders = p.waves.flatMap((w) => w.migrations).filter((m) => !(m.vm in (doc.target ?? {})));
    expect(bystanders).toHaveLength(2);
    const [away, back] = bystanders;
    expect(away!.vm).toBe(back!.vm);
    expect(away!.from).toBe(doc.placement[away!.vm]);
    expect(away!.to).toBe('spare');
    expect(back).toMatchObject({ vm: away!.vm, from: 'spare', to: doc.placement[away!.vm] });
  });
});

describe('cloud-20.json', () => {
  const file = join(EXAMPLES, 'cloud-20.json');
  const doc = readJson<Instance>(file);

  it('is exactly what examples/generate-cloud-20.mjs writes', () => {
    const out = join(scratch, 'cloud-20.json');
    const r = spawnSync(process.execPath, [join(EXAMPLES, 'generate-cloud-20.mjs'), '--out', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(file, 'utf8'));
  });

  it('is a 20-host, two-zone cloud of 100-140 VMs, 70-95 % full in RAM, a quarter of which move within their zone', () => {
    expect(doc.hosts).toHaveLength(20);
    expect(new Set(doc.hosts.map((h) => h.zone))).toEqual(new Set(['az1', 'az2']));
    expect(doc.vms.length).toBeGreaterThanOrEqual(100);
    expect(doc.vms.length).toBeLessThanOrEqual(140);
    const moving = Object.keys(doc.target ?? {}).length / doc.vms.length;
    expect(moving).toBeGreaterThan(0.2);
    expect(moving).toBeLessThan(0.3);
    const zone = new Map(doc.hosts.map((h) => [h.name, h.zone]));
    for (const [vm, host] of Object.entries(doc.target ?? {})) expect(zone.get(host), vm).toBe(zone.get(doc.placement[vm]!));
    for (const h of doc.hosts) {
      const ram = doc.vms.filter((v) => doc.placement[v.name] === h.name).reduce((s, v) => s + v.demand!['ram']!, 0);
      expect(ram / usable(h, 'ram'), h.name).toBeGreaterThanOrEqual(0.7);
      expect(ram / usable(h, 'ram'), h.name).toBeLessThanOrEqual(0.95);
    }
  });

  it('keeps anti-affinity groups apart at every moment of its plan', async () => {
    const group = new Map(doc.vms.filter((v) => v.group).map((v) => [v.name, v.group!]));
    expect(new Set(group.values()).size).toBeGreaterThanOrEqual(3);
    replay(doc, await plan([file]), (present, moment) => {
      for (const [host, vms] of present) {
        const groups = [...vms].map((v) => group.get(v)).filter((g) => g !== undefined);
        expect(new Set(groups).size, `${host} ${moment}`).toBe(groups.length);
      }
    });
  });

  describe('with --policy policy-headroom.json', () => {
    const policy = readJson<{ rules: ({ name: string; options: { fraction?: { ram: number }; vms?: string[] } } | string)[] }>(POLICY_HEADROOM);
    const option = (name: string) => policy.rules.find((r) => typeof r !== 'string' && r.name === name) as { options: { fraction?: { ram: number }; vms?: string[] } };
    const fraction = option('headroom').options.fraction!.ram;
    const pinned = (vm: string) => option('pin').options.vms!.some((p) => new RegExp(`^${p.replace(/\*/g, '.*')}$`).test(vm));

    it('never moves a pinned VM and keeps the RAM headroom on every host at every moment', async () => {
      const p = await plan([file, '--policy', POLICY_HEADROOM]);
      const moved = p.waves.flatMap((w) => w.migrations.map((m) => m.vm));
      expect(moved.filter(pinned)).toEqual([]);
      const ram = new Map(doc.vms.map((v) => [v.name, v.demand!['ram']!]));
      replay(doc, p, (present, moment) => {
        for (const h of doc.hosts) {
          const load = [...present.get(h.name)!].reduce((s, v) => s + ram.get(v)!, 0);
          expect(load, `${h.name} ${moment}`).toBeLessThanOrEqual(usable(h, 'ram') * (1 - fraction));
        }
      });
    });

    it('is stricter than the instance\'s own policy: the plan made without it breaks it', async () => {
      const v = await verify(file, await plan([file]), ['--policy', POLICY_HEADROOM]);
      expect(v.code).toBe(1);
      expect(v.stdout).toMatch(/\[headroom\]/);
    });
  });
});

describe('the user plugins in examples/plugins', () => {
  const doc = readJson<Instance>(PLUGIN_DEMO);
  /** The most VMs present on one host at any moment of the plan. */
  const peak = (p: Plan) => {
    let most = 0;
    replay(doc, p, (present) => { for (const vms of present.values()) most = Math.max(most, vms.size); });
    return most;
  };

  it('have manifests that the kernel loads (shunt validate lists the rule and the cost)', async () => {
    const r = await shunt('validate', PLUGIN_DEMO, '--plugins', PLUGINS, '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { rules: string[]; cost: string };
    expect(summary.rules).toContain('max-vms-per-host');
    expect(summary.cost).toBe('ram-plus-setup');
  });

  it('max-vms-per-host (max 3) keeps every host at 3 VMs or fewer, migrating VMs counted on both hosts', async () => {
    const p = await plan([PLUGIN_DEMO, '--plugins', PLUGINS]);
    expect(p.stats.moves).toBeGreaterThan(0);
    expect(peak(p)).toBeLessThanOrEqual(3);
  });

  it('max-vms-per-host changes the plan: without it, a and b swap in one wave and a host holds 4 VMs meanwhile', async () => {
    const noRules = scratchFile('no-rules.json', { rules: [] });
    const p = await plan([PLUGIN_DEMO, '--plugins', PLUGINS, '--policy', noRules]);
    expect(p.waves).toHaveLength(1);
    expect(peak(p)).toBe(4);
  });

  it('max-vms-per-host rejects an instance whose target breaks it (its placement only warns: an overloaded start)', async () => {
    const tooMany = scratchFile('too-many.json', { ...doc, policy: { ...(doc as { policy?: object }).policy, rules: [{ name: 'max-vms-per-host', options: { max: 2 } }] } });
    const r = await shunt('plan', tooMany, '--plugins', PLUGINS);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/target breaks rule max-vms-per-host: host h1 holds 3 VMs, more than 2/);
  });

  it('ram-plus-setup charges RAM plus the penalty (default 1024) for each migration', async () => {
    const p = await plan([PLUGIN_DEMO, '--plugins', PLUGINS]);
    const ram = new Map(doc.vms.map((v) => [v.name, v.demand!['ram']!]));
    const migrations = p.waves.flatMap((w) => w.migrations);
    expect(p.cost).toBe(migrations.reduce((s, m) => s + ram.get(m.vm)! + 1024, 0));
  });

  it('are unknown without --plugins: exit 2 and a message naming each missing plugin', async () => {
    const r = await shunt('plan', PLUGIN_DEMO);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown rule plugin "max-vms-per-host"/);
    expect(r.stderr).toMatch(/unknown cost plugin "ram-plus-setup"/);
    expect(r.stdout).toBe('');
  });
});
