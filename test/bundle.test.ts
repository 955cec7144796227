/**
 * The bundle (scripts/bundle.mjs, dist/bundle/), which the installed package runs: `shunt`,
 * `import 'shunt'` and `shunt/sdk` resolve to it, the library and the SDK share one copy of
 * every class (a plugin's errors are recognised), and every command prints what tsc's
 * unbundled output prints. Runs the build (npm run build first).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CLI, CLI, tempDir } from './helpers.js';

const ROOT = join(__dirname, '..');
const BUNDLE = pathToFileURL(join(ROOT, 'dist', 'bundle')).href + '/';

/** Runs an ES module given as text inside the package (where `shunt` names the package itself). */
function script(code: string): unknown {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

/** A command's output and exit code, with the measured times (which differ run to run) blanked. */
function output(cli: string, args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const text = `${r.stdout}\n--- stderr\n${r.stderr}\n--- exit ${r.status}`;
  return text.replace(/"(seconds|firstPlanSeconds|proofSeconds|at)": [\d.e+-]+/g, '"$1": T').replace(/\b\d+\.\d+ s\b/g, 'T s');
}

describe('the bundle', () => {
  it('is what the package\'s executable, library and SDK resolve to', () => {
    const resolved = script(`console.log(JSON.stringify([import.meta.resolve('shunt'), import.meta.resolve('shunt/sdk')]))`);
    expect(resolved).toEqual([`${BUNDLE}index.js`, `${BUNDLE}sdk.js`]);
    expect(pathToFileURL(BUNDLED_CLI).href).toBe(`${BUNDLE}shunt.cjs`);
  });

  it('holds one copy of each class the library and the SDK both export', () => {
    const same = script(`
      const shunt = await import('shunt');
      const sdk = await import('shunt/sdk');
      const both = Object.keys(sdk).filter((k) => k in shunt && typeof sdk[k] === 'function');
      console.log(JSON.stringify({ both: both.sort(), different: both.filter((k) => shunt[k] !== sdk[k]) }));
    `) as { both: string[]; different: string[] };
    expect(same.both).toEqual(expect.arrayContaining(['InputError', 'NoTargetError']));
    expect(same.different).toEqual([]);
  });

  it('prints what the unbundled modules print, for every example and the commands around a plan', () => {
    const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.json')).map((f) => join(ROOT, 'examples', f));
    const planFile = join(tempDir(), 'plan.json');
    expect(spawnSync(process.execPath, [CLI, 'plan', join(ROOT, 'examples', 'swap.json'), '--out', planFile]).status).toBe(0);
    const runs = [
      ['--help'], [], ['--version'], ['help'], ['plan', '--help'], ['plna'],
      ...examples.map((f) => ['plan', f, '--json']),
      ['plan', join(ROOT, 'examples', 'cycle.json')], ['validate', join(ROOT, 'examples', 'cloud-20.json')],
      ['plan', join(ROOT, 'examples', 'plugins', 'demo', 'instance.json'), '--plugins', join(ROOT, 'examples', 'plugins'), '--json'],
      ['verify', join(ROOT, 'examples', 'swap.json'), planFile, '--json'],
      ['export', 'openstack', join(ROOT, 'examples', 'swap.json'), planFile, '--format', 'script'],
    ];
    for (const args of runs) expect(output(BUNDLED_CLI, args), `${args.join(' ')} (dist/bundle is made by npm run build, not by tsc alone)`).toBe(output(CLI, args));
  });
});
