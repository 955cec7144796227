/**
 * The package as a user gets it: `npm pack`, installed into an empty directory, then the
 * `shunt` binary and `import ... from 'shunt'` / 'shunt/sdk'. Uses the dist/ that
 * `npm test` builds (prepack rebuilds from scratch on a real `npm pack`; here scripts are
 * skipped so that the other test files' dist/ is left alone).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const ROOT = join(__dirname, '..');
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });

describe('the npm package', () => {
  let files: string[] = [];
  let app = '';

  beforeAll(() => {
    const out = tempDir();
    const [report] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', out], ROOT)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = report!.files.map((f) => f.path);
    app = tempDir();
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // --prefer-offline: from the npm cache when it has the dependencies, else from the registry.
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', join(out, report!.filename)], app);
  }, 240_000);

  it('holds the compiled library and plugins, schemas, manifests, README and LICENSE only', () => {
    const top = [...new Set(files.map((f) => f.split('/').slice(0, f.startsWith('dist/') ? 2 : 1).join('/')))].sort();
    expect(top).toEqual(['LICENSE', 'README.md', 'dist/bundle', 'dist/plugins', 'dist/src', 'package.json', 'plugins', 'schemas']);
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('test/') || f.startsWith('bench/') || f.startsWith('dist/bench') || /^src\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('plugins/')).every((f) => f.endsWith('.json'))).toBe(true);
    expect(files).toContain('dist/src/sdk.d.ts');
    expect(files).toContain('dist/src/interop/openstack/runbook.template.sh');
    expect(files).toContain('dist/bundle/shunt.cjs');
    expect(files).toContain('dist/bundle/runbook.template.sh');
    expect(files).toContain('schemas/instance.schema.json');
  });

  it('has a prepack script that builds from a clean dist/', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.prepack).toMatch(/rmSync\('dist'.*&& npm run build/);
  });

  it('runs `npx shunt plan` from the installed package', () => {
    const r = spawnSync('npx', ['--no-install', 'shunt', 'plan', join(ROOT, 'examples', 'swap.json')], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^plan optimal: 3 migrations/);
  });

  it('exports an OpenStack runbook from the installed package (its template ships in dist/)', () => {
    const installed = join(app, 'node_modules', 'shunt');
    const bin = join(installed, JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).bin.shunt);
    const swap = join(ROOT, 'examples', 'swap.json');
    const planFile = join(app, 'plan.json');
    expect(spawnSync(process.execPath, [bin, 'plan', swap, '--out', planFile], { encoding: 'utf8' }).status).toBe(0);
    const r = spawnSync(process.execPath, [bin, 'export', 'openstack', swap, planFile, '--format', 'script'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^#!\/usr\/bin\/env bash/);
  });

  it('is importable as a library and as the plugin SDK, with types', () => {
    writeFileSync(join(app, 'use.mjs'), `
      import { planMigrations, evaluateStrategies, retarget, NoTargetError, InputError, verifyPlan, importOpenStack, exportRunbook, planReport } from 'shunt';
      import { globToRegExp, checkedTarget } from 'shunt/sdk';
      import { readFileSync } from 'node:fs';
      const { plan } = await planMigrations(JSON.parse(readFileSync(${JSON.stringify(join(ROOT, 'examples', 'swap.json'))}, 'utf8')));
      console.log(JSON.stringify({ status: plan.status, cost: plan.cost, fns: [evaluateStrategies, retarget, verifyPlan, importOpenStack, exportRunbook, planReport, globToRegExp, checkedTarget].map((f) => typeof f), errors: [NoTargetError.name, InputError.name] }));
    `);
    const r = spawnSync(process.execPath, ['use.mjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ status: 'optimal', cost: 14336, fns: Array(8).fill('function'), errors: ['NoTargetError', 'InputError'] });
    const types = readFileSync(join(app, 'node_modules', 'shunt', 'dist', 'src', 'index.d.ts'), 'utf8');
    expect(types).toMatch(/NoTargetError/);
    expect(types).toMatch(/retarget/);
  });
});
