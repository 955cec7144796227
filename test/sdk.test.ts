/**
 * The plugin SDK: a user plugin can do what a built-in does. The example strategy in
 * examples/plugins/pack-hosts.js wraps the built-in consolidate with the built-in scoped
 * (through services.createPlugin) and uses the solver service; scoped in turn wraps it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shunt, tempDir } from './helpers.js';
import { createKernel } from '../src/kernel/kernel.js';
import { loadInstance } from '../src/api.js';
import { durationOptionsOf } from '../src/schedule/duration-options.js';
import { DEFAULT_DURATION_OPTIONS } from '../src/schedule/duration.js';
import type { PluginServices } from '../src/sdk.js';

const ROOT = join(__dirname, '..');
const EXAMPLES = join(ROOT, 'examples', 'plugins');
const PACK = join(EXAMPLES, 'demo', 'pack.json');

async function target(...args: string[]) {
  const out = join(tempDir(), 'target.json');
  const r = await shunt('target', PACK, '--plugins', EXAMPLES, '--out', out, '--json', ...args);
  return { ...r, summary: r.code === 0 ? JSON.parse(r.stdout) : undefined, doc: r.code === 0 ? JSON.parse(readFileSync(out, 'utf8')) : undefined };
}

describe('the example user strategy pack-hosts', () => {
  it('empties the hosts it is given through scoped + consolidate, and reports the solver\'s bound', async () => {
    const r = await target('--strategy', 'pack-hosts', '--with', '{"hosts": ["r1-*"]}');
    expect(r.code).toBe(0);
    expect(r.summary.notes[0]).toBe('at least 2 of 6 hosts are needed for all VMs (LP bound, glpk); 2 used');
    expect(r.summary.notes).toContain('scope: 4 of 6 VMs selected for consolidate');
    expect(r.summary.hostsFreed).toEqual(['r1-a', 'r1-b', 'r1-c', 'r1-d']);
    expect(r.doc.target.w1).toBe('r2-a'); // outside the scope: stays
    expect(r.doc.target.w2).toBe('r2-b');
  });

  it('can itself be wrapped by the built-in scoped, like any built-in strategy', async () => {
    const r = await target('--strategy', 'scoped', '--with', JSON.stringify({ strategy: { name: 'pack-hosts', options: { hosts: ['r1-*'] } }, vms: ['v1', 'v2'] }));
    expect(r.code).toBe(0);
    expect(r.summary.notes[0]).toBe('scope: 2 of 6 VMs selected for pack-hosts');
    const moved = Object.keys(r.doc.target).filter((vm) => r.doc.target[vm] !== r.doc.placement[vm]).sort();
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((vm) => vm === 'v1' || vm === 'v2')).toBe(true);
  });

  it('gets its options checked by the kernel: the solver name against the solver registry', async () => {
    const r = await target('--strategy', 'pack-hosts', '--with', '{"hosts": ["r1-*"], "solver": "cplex"}');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/solver.*must be one of.*glpk.*highs.*jslp/);
  });

  it('refuses, as a bad input naming the option, hosts that match nothing', async () => {
    const r = await target('--strategy', 'pack-hosts', '--with', '{"hosts": ["r9-*"]}');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/options/hosts: plugin pack-hosts: no host matches ["r9-*"]');
  });
});

describe('the services in a plugin\'s context', () => {
  const doc = JSON.parse(readFileSync(PACK, 'utf8'));

  it('create other plugins through the kernel: defaults applied, options validated, unknown names listed', async () => {
    const loaded = await loadInstance(doc, { source: 'pack.json' });
    let services;
    const kernel = createKernel();
    kernel.register({ name: 'spy', kind: 'cost', module: './spy.js' }, { create: (_o: unknown, c: { services: unknown }) => { services = c.services; return { name: 'spy', unit: 'u', cost: () => 1 }; } }, 'test');
    await loadInstance(doc, { kernel, policy: { cost: 'spy' } });
    const s = services as unknown as import('../src/sdk.js').PluginServices;
    expect(s.names('strategy')).toEqual(['consolidate', 'evacuate', 'rebalance', 'scoped', 'sharing-aware']);
    expect(s.defaults('engine', 'heuristic')).toMatchObject({ searchMaxVms: expect.any(Number) });
    expect(() => s.createPlugin('strategy', 'nope', '/x')).toThrow(/unknown strategy plugin "nope" \(known: consolidate/);
    expect(() => s.createPlugin('strategy', { name: 'consolidate', options: { headroom: 2 } }, '/x')).toThrow(/\/x\/options\/headroom/);
    const plan = await s.planPath(loaded.problem, loaded.model.placement.map((h, v) => (v === 0 ? 4 : h)) as Int32Array);
    expect(plan.status).toBe('optimal');
    expect(plan.waves.flatMap((w) => w.migrations)).toEqual([{ vm: 'v1', from: 'r1-a', to: 'r2-a' }]);
    expect(s.validateOptions({ type: 'object', properties: { n: { type: 'integer' } } }, { n: 'x' }, '/o')).toMatchObject([{ path: '/o/n' }]);
    expect(s.solvers).toEqual(['glpk', 'highs', 'jslp']);
  });
});

describe('the duration model, found by the capability a cost plugin declares', () => {
  const doc = JSON.parse(readFileSync(PACK, 'utf8'));
  const optionsSchema = { type: 'object', properties: { dirtyRate: { type: 'number' }, maxDowntime: { type: 'number' } } };

  /** Loads the instance with a user cost plugin `name` (manifest extras in `manifest`); returns its services and the kernel. */
  async function withCost(name: string, manifest: Record<string, unknown>, options: Record<string, unknown>) {
    let services: PluginServices | undefined;
    const kernel = createKernel();
    kernel.register({ name, kind: 'cost', module: `./${name}.js`, optionsSchema, ...manifest }, {
      create: (_o: unknown, c: { services: PluginServices }) => { services = c.services; return { name, unit: 's', cost: () => 1 }; },
    }, 'test');
    const policy = { cost: { name, options } };
    const loaded = await loadInstance(doc, { kernel, policy });
    return { services: services!, kernel, policy: loaded.policy };
  }

  it('takes the options of a user cost plugin that provides "duration-model": its defaults, then the policy\'s', async () => {
    const { services, kernel, policy } = await withCost('my-seconds', { provides: ['duration-model'], defaults: { maxDowntime: 0.5 } }, { dirtyRate: 80 });
    const expected = { ...DEFAULT_DURATION_OPTIONS, dirtyRate: 80, maxDowntime: 0.5 };
    expect(services.durationOptions()).toEqual(expected);
    expect(durationOptionsOf(policy, kernel)).toEqual(expected);
  });

  it('keeps the defaults for a cost plugin that does not declare it, whatever its options are called', async () => {
    const { services } = await withCost('other-seconds', {}, { dirtyRate: 80, maxDowntime: 0.5 });
    expect(services.durationOptions()).toEqual(DEFAULT_DURATION_OPTIONS);
  });

  it('reads the built-in duration cost\'s options because its manifest declares the capability', async () => {
    const kernel = createKernel();
    expect(kernel.manifest('cost', 'duration')?.provides).toContain('duration-model');
    expect(durationOptionsOf({ cost: { name: 'duration', options: { maxDowntime: 3, setup: 1 } } }, kernel))
      .toEqual({ ...DEFAULT_DURATION_OPTIONS, maxDowntime: 3, setup: 1 });
    expect(durationOptionsOf({ cost: 'ram' }, kernel)).toEqual(DEFAULT_DURATION_OPTIONS);
  });
});

describe('built-in plugins', () => {
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

  it.each(files(join(ROOT, 'plugins')).map((f) => relative(ROOT, f)))('%s imports nothing from src/ but the SDK', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const sources = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]!).filter((s) => s.includes('/src/'));
    expect(sources.filter((s) => !s.endsWith('/src/sdk.js'))).toEqual([]);
  });
});
