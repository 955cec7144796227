/**
 * The executable's code cache (src/cli/launch/code-cache.ts): the installed `shunt` keeps the
 * compiled code of each command it runs in a cache directory, and a cache that is missing,
 * damaged, from another build or impossible to write never changes what a run prints or how
 * it ends. Runs the bundle (npm run build first).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CLI, tempDir } from './helpers.js';

const ROOT = join(__dirname, '..');
const SWAP = join(ROOT, 'examples', 'swap.json');
const SECONDS = /\b\d+\.\d+ s\b/g; // measured times differ run to run

interface Run { stdout: string; stderr: string; status: number | null }

function shunt(args: string[], env: Record<string, string>): Run {
  const r = spawnSync(process.execPath, [BUNDLED_CLI, ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, SHUNT_DISABLE_COMPILE_CACHE: '', ...env },
  });
  return { stdout: r.stdout.replace(SECONDS, 'T s'), stderr: r.stderr, status: r.status };
}

/** The runtime build's hash, which names its cache files (the first line of runtime.cjs). */
const runtimeHash = () => /^\/\/ shunt-runtime ([0-9a-f]{16})/.exec(readFileSync(join(ROOT, 'dist', 'bundle', 'runtime.cjs'), 'utf8'))![1];

const cacheFile = (dir: string, command: string) => join(dir, `${runtimeHash()}-${process.version}-${process.arch}-${command}.bin`);

describe('the code cache of the executable', () => {
  it('is written by a command\'s first run, one file per command, and read by the next runs, which print the same', () => {
    const dir = tempDir();
    const first = shunt(['plan', SWAP], { SHUNT_COMPILE_CACHE: dir });
    expect(first.status).toBe(0);
    expect(readdirSync(dir)).toEqual([`${runtimeHash()}-${process.version}-${process.arch}-plan.bin`]);
    const written = statSync(cacheFile(dir, 'plan'));

    const second = shunt(['plan', SWAP], { SHUNT_COMPILE_CACHE: dir });
    expect(second).toEqual(first);
    // Used, so not written again.
    expect(statSync(cacheFile(dir, 'plan')).mtimeMs).toBe(written.mtimeMs);

    expect(shunt(['--help'], { SHUNT_COMPILE_CACHE: dir }).status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([cacheFile(dir, 'help'), cacheFile(dir, 'plan')].map((f) => f.slice(dir.length + 1)));
  });

  it('replaces a damaged cache file, and the run prints what it prints without one', () => {
    const dir = tempDir();
    const clean = shunt(['validate', SWAP], { SHUNT_DISABLE_COMPILE_CACHE: '1' });
    writeFileSync(cacheFile(dir, 'validate'), 'not compiled code');
    expect(shunt(['validate', SWAP], { SHUNT_COMPILE_CACHE: dir })).toEqual(clean);
    expect(readFileSync(cacheFile(dir, 'validate'), 'latin1')).not.toBe('not compiled code');
    expect(shunt(['validate', SWAP], { SHUNT_COMPILE_CACHE: dir })).toEqual(clean);
  });

  it('changes nothing when its directory cannot be made, and writes nothing when turned off', () => {
    const dir = tempDir();
    const clean = shunt(['plan', SWAP, '--json'], { SHUNT_DISABLE_COMPILE_CACHE: '1' });
    const notADirectory = join(dir, 'file');
    writeFileSync(notADirectory, '');
    const unwritable = shunt(['plan', SWAP, '--json'], { SHUNT_COMPILE_CACHE: join(notADirectory, 'cache') });
    const seconds = (r: Run) => ({ ...r, stdout: r.stdout.replace(/"(seconds|firstPlanSeconds)": [\d.e+-]+/g, '"$1": T') });
    expect(seconds(unwritable)).toEqual(seconds(clean));
    expect(readdirSync(dir)).toEqual(['file']);

    expect(shunt(['plan', SWAP], { SHUNT_COMPILE_CACHE: dir, SHUNT_DISABLE_COMPILE_CACHE: '1' }).status).toBe(0);
    expect(readdirSync(dir)).toEqual(['file']);
  });

  it('keeps the files of the three builds written last, this one included', () => {
    const dir = tempDir();
    const builds = ['0000000000000001', '0000000000000002', '0000000000000003', '0000000000000004'];
    builds.forEach((hash, i) => {
      const file = join(dir, `${hash}-${process.version}-${process.arch}-plan.bin`);
      writeFileSync(file, 'an older build\'s code');
      utimesSync(file, 1_000_000 + i, 1_000_000 + i); // build 4 written last
    });
    writeFileSync(join(dir, 'notes.txt'), 'not a cache file');
    expect(shunt(['plan', SWAP], { SHUNT_COMPILE_CACHE: dir }).status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      `0000000000000003-${process.version}-${process.arch}-plan.bin`,
      `0000000000000004-${process.version}-${process.arch}-plan.bin`,
      `${runtimeHash()}-${process.version}-${process.arch}-plan.bin`,
      'notes.txt',
    ].sort());
  });

  it('keeps no cache for a mistyped command, which still gets its suggestion', () => {
    const dir = tempDir();
    const r = shunt(['plna'], { SHUNT_COMPILE_CACHE: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Did you mean plan\?/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is written by a successful run of the command only (one that stopped at bad input compiled little of it)', () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hosts": 3}');
    expect(shunt(['plan', bad], { SHUNT_COMPILE_CACHE: dir }).status).toBe(2);
    expect(readdirSync(dir)).toEqual(['bad.json']);
    // Nor by a command's help, which runs none of it.
    expect(shunt(['plan', '--help'], { SHUNT_COMPILE_CACHE: dir }).status).toBe(0);
    expect(shunt(['help', 'plan'], { SHUNT_COMPILE_CACHE: dir }).status).toBe(0);
    expect(readdirSync(dir)).toEqual(['bad.json']);
    expect(shunt(['plan', SWAP], { SHUNT_COMPILE_CACHE: dir }).status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['bad.json', cacheFile(dir, 'plan').slice(dir.length + 1)].sort());
  });

  it('is kept for the library as well, written when the program that imported it exits', () => {
    const dir = tempDir();
    const program = "const { InputError } = await import('shunt'); const sdk = await import('shunt/sdk'); console.log(InputError === sdk.InputError);";
    const runProgram = () => spawnSync(process.execPath, ['--input-type=module', '-e', program], {
      cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, SHUNT_DISABLE_COMPILE_CACHE: '', SHUNT_COMPILE_CACHE: dir },
    });
    const first = runProgram();
    expect([first.stdout, first.stderr, first.status]).toEqual(['true\n', '', 0]);
    expect(readdirSync(dir)).toEqual([cacheFile(dir, 'library').slice(dir.length + 1)]);
    const written = statSync(cacheFile(dir, 'library')).mtimeMs;
    const second = runProgram();
    expect([second.stdout, second.stderr, second.status]).toEqual(['true\n', '', 0]);
    expect(statSync(cacheFile(dir, 'library')).mtimeMs).toBe(written);
  });

  it('loads a user\'s plugin (a dynamic import) from cached code as from compiled code', () => {
    const dir = tempDir();
    const args = ['plan', join(ROOT, 'examples', 'plugins', 'demo', 'instance.json'), '--plugins', join(ROOT, 'examples', 'plugins')];
    const first = shunt(args, { SHUNT_COMPILE_CACHE: dir });
    expect(first.status).toBe(0);
    expect(first.stderr).toBe('');
    expect(readdirSync(dir)).toHaveLength(1);
    expect(shunt(args, { SHUNT_COMPILE_CACHE: dir })).toEqual(first);
  });
});
