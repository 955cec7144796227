/** Where the command line writes: --out through symlinks, refusals, stdout, pipes, errors as JSON. */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cloud, shunt, shuntProcess, tempDir } from './helpers.js';

const swap = cloud({
  hosts: { h1: { ram: 8 }, h2: { ram: 8 }, spare: { ram: 8 } },
  vms: { big: { ram: 6 }, small: { ram: 4 } },
  at: { big: 'h1', small: 'h2' },
  to: { big: 'h2', small: 'h1' },
});

function instanceFile(doc: unknown = swap): { dir: string; file: string } {
  const dir = tempDir();
  const file = join(dir, 'instance.json');
  writeFileSync(file, JSON.stringify(doc));
  return { dir, file };
}

describe('--out', () => {
  it('- writes the plan JSON on stdout and creates no file named "-"', async () => {
    const { dir, file } = instanceFile();
    const r = await shunt('plan', file, '--out', '-');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'optimal', cost: 14 });
    expect(readdirSync(dir)).toEqual(['instance.json']);
  });

  it('writes through a symlink to its target and keeps the link', async () => {
    const { dir, file } = instanceFile();
    mkdirSync(join(dir, 'plans'));
    writeFileSync(join(dir, 'plans', 'real.json'), 'old');
    symlinkSync(join('plans', 'real.json'), join(dir, 'plan.json'));
    expect((await shunt('plan', file, '--out', join(dir, 'plan.json'))).code).toBe(0);
    expect(lstatSync(join(dir, 'plan.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'plans', 'real.json'), 'utf8')).cost).toBe(14);
    expect(readdirSync(join(dir, 'plans'))).toEqual(['real.json']); // no temporary file left
  });

  it('creates the file a dangling symlink names', async () => {
    const { dir, file } = instanceFile();
    symlinkSync('target.json', join(dir, 'link.json'));
    expect((await shunt('plan', file, '--out', join(dir, 'link.json'))).code).toBe(0);
    expect(readlinkSync(join(dir, 'link.json'))).toBe('target.json');
    expect(JSON.parse(readFileSync(join(dir, 'target.json'), 'utf8')).status).toBe('optimal');
  });

  it('refuses to replace a device, still prints the summary, and exits 2 naming the path and why', async () => {
    const { file } = instanceFile();
    const r = await shunt('plan', file, '--out', '/dev/null');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/plan optimal: 3 migrations/);
    expect(r.stderr).toMatch(/\/dev\/null: .*cannot be written: it is a character device; refusing to replace it/);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('refuses a directory', async () => {
    const { dir, file } = instanceFile();
    const r = await shunt('plan', file, '--out', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/it is a directory; refusing to replace it/);
  });

  it('into a missing directory exits 2 with the reason; with --json the error object carries the plan', async () => {
    const { dir, file } = instanceFile();
    const out = join(dir, 'missing', 'plan.json');
    const r = await shunt('plan', file, '--out', out, '--json');
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error).toEqual({ exitCode: 2, issues: [{ source: out, path: '', message: 'cannot be written: ENOENT (no such file or directory)' }] });
    expect(doc.plan).toMatchObject({ status: 'optimal', cost: 14 });
    expect(r.stderr).toContain(`${out}: /: cannot be written: ENOENT`);
  });

  it('of shunt target into a device exits 2 and still summarises the target', async () => {
    const { file } = instanceFile();
    const r = await shunt('target', file, '--strategy', 'consolidate', '--out', '/dev/null');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/target by consolidate \(not written\)/);
  });
});

describe('errors with --json', () => {
  it('are one JSON object on stdout as well as text on stderr', async () => {
    const r = await shunt('plan', '/nonexistent/instance.json', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: { exitCode: 2, issues: [{ source: '/nonexistent/instance.json', path: '', message: 'no such file' }] } });
    expect(r.stderr).toMatch(/no such file/);
  });

  it('cover invalid documents, every issue with its JSON path', async () => {
    const { file } = instanceFile({ ...swap, placement: { big: 'nowhere', small: 'h2' } });
    const r = await shunt('validate', file, '--json');
    expect(r.code).toBe(2);
    const { error } = JSON.parse(r.stdout);
    expect(error.exitCode).toBe(2);
    expect(error.issues).toContainEqual({ source: file, path: '/placement/big', message: 'unknown host "nowhere"' });
  });

  it('cover unknown options', async () => {
    const r = await shunt('plan', 'x.json', '--bogus', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.issues[0]).toMatchObject({ source: 'arguments', message: "unknown option '--bogus'" });
  });

  it('leave stdout empty without --json', async () => {
    const r = await shunt('plan', '/nonexistent/instance.json');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });
});

describe('names with control characters', () => {
  it('are escaped in the summary, and kept exact in JSON', async () => {
    const doc = cloud({ hosts: { 'h\u001b[31m1': { ram: 8 }, h2: { ram: 8 } }, vms: { 'v\u0007': { ram: 1 } }, at: { 'v\u0007': 'h\u001b[31m1' }, to: { 'v\u0007': 'h2' } });
    const { file } = instanceFile(doc);
    const text = await shunt('plan', file);
    expect(text.stdout).toContain('v\\x07  h\\x1b[31m1 -> h2');
    const raw = [...text.stdout].filter((c) => c.charCodeAt(0) < 0x20 && c !== '\n');
    expect(raw).toEqual([]);
    const json = await shunt('plan', file, '--json');
    expect(JSON.parse(json.stdout).waves[0].migrations[0]).toMatchObject({ vm: 'v\u0007', from: 'h\u001b[31m1' });
  });
});

describe('a reader that closes the pipe early', () => {
  it('ends the run quietly: no stack trace, exit 0', async () => {
    // Enough VMs that the plan JSON (about 200 bytes a migration) is three times a pipe's 64 KiB buffer.
    const n = 1000;
    const hosts: Record<string, Record<string, number>> = {};
    const vms: Record<string, Record<string, number>> = {};
    const at: Record<string, string> = {};
    const to: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      hosts[`host-${i}`] = { ram: 8 };
      hosts[`spare-${i}`] = { ram: 8 };
      vms[`vm-${i}`] = { ram: 4 };
      at[`vm-${i}`] = `host-${i}`;
      to[`vm-${i}`] = `spare-${i}`;
    }
    const { dir, file } = instanceFile(cloud({ hosts, vms, at, to, limits: { maxOutgoingPerHost: null, maxIncomingPerHost: null, maxPerWave: null } }));
    // As `shunt plan ... --json | head -c 100`: read 100 bytes, then close the pipe.
    const child = spawn(process.execPath, [CLI, 'plan', file, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let head = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      head += d.toString();
      if (head.length >= 100) child.stdout.destroy();
    });
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(head.slice(0, 100)).toMatch(/^\{\n {2}"status": "optimal"/);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(existsSync(join(dir, '-'))).toBe(false);
  });

  it('is a real process concern: stdin still works with --out -', () => {
    const r = shuntProcess(['plan', '-', '--out', '-'], { input: JSON.stringify(swap) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).cost).toBe(14);
  });
});
