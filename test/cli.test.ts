/** The command line as a user meets it: exit codes, stdin/stdout, --json, --out. */
import { mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloud, cli, shuntProcess } from './helpers.js';
import { generateCloud } from '../bench/generate.js';


const swap = cloud({
  hosts: { h1: { ram: 8 }, h2: { ram: 8 }, spare: { ram: 8 } },
  vms: { big: { ram: 6 }, small: { ram: 4 } },
  at: { big: 'h1', small: 'h2' },
  to: { big: 'h2', small: 'h1' },
});
const impossible = { ...swap, hosts: swap.hosts.slice(0, 2) };

describe('shunt plan', () => {
  it('prints a readable summary with every wave and exits 0', async () => {
    const r = await cli(['plan', '-'], JSON.stringify(swap));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/plan optimal: 3 migrations/);
    expect(r.stdout).toMatch(/wave 1:\n {2}small {2}h2 -> spare/);
    expect(r.stderr).toBe(''); // no progress bar on a pipe
  });

  it('prints the plan as JSON with --json', async () => {
    const r = await cli(['plan', '-', '--json'], JSON.stringify(swap));
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ status: 'optimal', engine: 'heuristic', cost: 14, lowerBound: 14 });
    expect(plan.waves).toHaveLength(3);
  });

  it('writes the plan atomically with --out and leaves no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shunt-'));
    const input = join(dir, 'swap.json');
    writeFileSync(input, JSON.stringify(swap));
    const out = join(dir, 'plan.json');
    expect((await cli(['plan', input, '--out', out])).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).cost).toBe(14);
    expect(readdirSync(dir).sort()).toEqual(['plan.json', 'swap.json']);
    expect((await cli(['verify', input, out])).code).toBe(0);
  });

  it('exits 3, writes no plan file and explains the deadlock when no plan exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shunt-'));
    const out = join(dir, 'plan.json');
    const r = await cli(['plan', '-', '--out', out], JSON.stringify(impossible));
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/no plan exists \(proven/);
    expect(r.stdout).toMatch(/big cannot move h1 -> h2/);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 4 with status unknown when the time limit stops the search', async () => {
    // The engine's clock ticks in milliseconds: with hundreds of misplaced VMs its first waves take
    // many ticks, however warm the process (cloud-20 could be planned within one tick, limit unseen).
    const big = generateCloud({ hosts: 200, seed: 1 });
    const r = await cli(['plan', '-', '--json', '--time-limit', '0.000001'], JSON.stringify(big));
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).status).toBe('unknown');
  });

  it('exits 2 naming the field and the value for bad input, without a stack trace', async () => {
    const bad = { ...swap, vms: [{ name: 'big', demand: { ram: -6 } }, { name: 'small', demand: { ram: 4 } }] };
    const r = await cli(['plan', '-'], JSON.stringify(bad));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/vms/0/demand/ram: must be >= 0 (got -6)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('exits 2 for a bad --time-limit, an unknown option, and a missing file', async () => {
    expect((await cli(['plan', '-', '--time-limit', 'soon'], JSON.stringify(swap))).code).toBe(2);
    expect((await cli(['plan', '-', '--frobnicate'], JSON.stringify(swap))).code).toBe(2);
    const missing = await cli(['plan', '/nonexistent/instance.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/instance.json: /: no such file');
  });

  it('verify also checks the dependency graph a plan carries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shunt-'));
    const input = join(dir, 'swap.json');
    writeFileSync(input, JSON.stringify(swap));
    const plan = JSON.parse((await cli(['plan', input, '--json'])).stdout);
    expect(plan.waves[1].migrations[0].after).toEqual([0]); // big waits for small to leave h2
    const out = join(dir, 'plan.json');
    writeFileSync(out, JSON.stringify(plan));
    expect((await cli(['verify', input, out])).code).toBe(0);
    plan.waves[1].migrations[0].after = [];
    writeFileSync(out, JSON.stringify(plan));
    const r = await cli(['verify', input, out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[dependencies\]/);
  });

  it('reads a policy file that overrides the instance policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shunt-'));
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ cost: 'count' }));
    const plan = JSON.parse((await cli(['plan', '-', '--json', '--policy', policy], JSON.stringify(swap))).stdout);
    expect(plan.cost).toBe(3);
  });
});

describe('shunt --help and validate', () => {
  it('shows help and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/plan \[options\] <instance>/);
  });

  it('validates a good instance with a one-line summary', async () => {
    const r = await cli(['validate', '-'], JSON.stringify(swap));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid: 3 hosts, 2 VMs, 2 must move/);
  });
});

describe('the shunt process', () => {
  // Most behaviour is tested in process (run(), as above); these check the executable itself.
  it('exits 0 with the plan on stdout, reading the instance from stdin', () => {
    const r = shuntProcess(['plan', '-'], { input: JSON.stringify(swap) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/plan optimal: 3 migrations/);
    expect(r.stderr).toBe('');
  });

  it('exits 3 when no plan exists', () => {
    expect(shuntProcess(['plan', '-'], { input: JSON.stringify(impossible) }).code).toBe(3);
  });

  it('exits 2 on bad input, without a stack trace', () => {
    const r = shuntProcess(['plan', '/nonexistent/instance.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('shunt: /nonexistent/instance.json: /: no such file\n');
  });
});
