/**
 * Start-up: `shunt --help` lists every command without loading any, each command loads only
 * its own module, and help texts name every registered plugin without loading one. The
 * module checks run the built executable (npm run build first) with a module hook that
 * reports every module loaded.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, commandOf } from '../src/cli/run.js';
import { asksForHelp } from '../src/cli/command-of.js';
import { COMMANDS } from '../src/cli/commands/index.js';
import { createKernel } from '../src/kernel/kernel.js';
import { builtinNames } from '../src/kernel/builtins-manifests.js';
import type { PluginKind } from '../src/plugin-api.js';
import { BUNDLED_CLI, CLI, cli, tempDir } from './helpers.js';

const ROOT = join(__dirname, '..');
const KINDS: PluginKind[] = ['cost', 'rule', 'overcommit', 'engine', 'strategy'];

async function helpOf(load: readonly string[]): Promise<string> {
  let out = '';
  const program = await buildProgram({ stdout: (t) => { out += t; }, stderr: () => {} }, load);
  return program.helpInformation() + out;
}

describe('shunt --help', () => {
  it('shows each command with the line its own module gives it, in the same order', async () => {
    const listed = await helpOf([]);
    const loaded = await helpOf(COMMANDS.map((c) => c.name));
    expect(listed).toBe(loaded);
    for (const c of COMMANDS) expect(listed).toContain(c.term);
  });

  it('finds the command the arguments run, also behind `help`', () => {
    expect(commandOf(['plan', 'x.json', '--json'])).toBe('plan');
    expect(commandOf(['--json', 'validate', '-'])).toBe('validate');
    expect(commandOf(['help', 'target'])).toBe('target');
    expect(commandOf(['--help'])).toBeUndefined();
    expect(commandOf(['--', 'plan'])).toBeUndefined();
  });

  it('tells a request for help from a run (the executable caches the code of runs only)', () => {
    expect(asksForHelp(['plan', '--help'])).toBe(true);
    expect(asksForHelp(['-h', 'validate'])).toBe(true);
    expect(asksForHelp(['help', 'plan'])).toBe(true);
    expect(asksForHelp(['plan', 'x.json', '--json'])).toBe(false);
    expect(asksForHelp(['plan', '--', '--help'])).toBe(false);
  });

  it('shows a command\'s own help with `help NAME`, options included', async () => {
    const r = await cli(['help', 'plan']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: shunt plan \[options\] <instance>/);
    expect(r.stdout).toMatch(/--time-limit <seconds>/);
  });

  it('still suggests the closest command for a misspelt one', async () => {
    const r = await cli(['plna']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'plna'\s+\(Did you mean plan\?\)/);
  });
});

describe('plugin names in help texts', () => {
  it('are those of every plugin the kernel registers, kind by kind', () => {
    const kernel = createKernel();
    for (const kind of KINDS) expect(builtinNames(kind)).toEqual(kernel.names(kind));
  });

  it('list every engine in `shunt plan --help` and every strategy in `shunt target --help`', async () => {
    const kernel = createKernel();
    const plan = (await cli(['plan', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(plan).toContain(`engine plugin: ${kernel.names('engine').map((n) => (n === 'heuristic' ? `${n} (default)` : n)).join(', ')}`);
    const target = (await cli(['target', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(target).toContain(`strategy plugin: ${kernel.names('strategy').join(', ')}`);
  });
});

describe('modules loaded by the executable', () => {
  let hook = '';
  beforeAll(() => {
    const dir = tempDir();
    writeFileSync(join(dir, 'hook.mjs'), 'export async function load(url, context, next) { process.stderr.write(`LOADED ${url}\\n`); return next(url, context); }\n');
    hook = join(dir, 'register.mjs');
    // ES modules through the hook; CommonJS ones (required, never imported) from require's cache at exit.
    writeFileSync(hook, [
      "import { createRequire, register } from 'node:module';",
      "import { pathToFileURL } from 'node:url';",
      `register(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});`,
      'const cache = createRequire(import.meta.url).cache;',
      "process.on('exit', () => { for (const file of Object.keys(cache)) process.stderr.write(`LOADED ${pathToFileURL(file).href}\\n`); });",
    ].join('\n') + '\n');
  });

  /**
   * The modules a run loads (its package's own, under dist/, relative to dist/; and those of
   * node_modules), and its exit code. The module checks run tsc's output, one file per
   * module; the bundle splits along the same lazy imports.
   */
  const loaded = (args: string[], cli = CLI) => {
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, cli, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    const urls = r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice('LOADED '.length));
    const dist = pathToFileURL(join(ROOT, 'dist')).href + '/';
    const modules = urls.filter((u) => u.startsWith(dist)).map((u) => u.slice(dist.length));
    return { code: r.status, modules, dependencies: urls.filter((u) => u.includes('/node_modules/')) };
  };

  it('`--help` loads no command, no kernel and no plugin', () => {
    const { code, modules } = loaded(['--help']);
    expect(code).toBe(0);
    expect(modules).toContain('src/cli/commands/index.js');
    expect(modules.filter((m) => m.startsWith('plugins/') || m.startsWith('src/kernel/kernel') || (m.startsWith('src/cli/commands/') && !m.endsWith('/index.js')))).toEqual([]);
  });

  it('`plan` loads its own command only, and neither the report, the importers nor the service', () => {
    const { code, modules } = loaded(['plan', join(ROOT, 'examples', 'swap.json')]);
    expect(code).toBe(0);
    expect(modules).toContain('src/cli/commands/plan.js');
    expect(modules.filter((m) => /^src\/(report|interop|service)\//.test(m) || (m.startsWith('src/cli/commands/') && !/\/(index|plan)\.js$/.test(m)))).toEqual([]);
  });

  it('the installed executable (the bundle) holds the argument parser and the dependency injection every command uses', () => {
    const { code, modules, dependencies } = loaded(['plan', join(ROOT, 'examples', 'swap.json')], BUNDLED_CLI);
    expect(code).toBe(0);
    expect(modules.length).toBeGreaterThan(0);
    expect(modules.filter((m) => !m.startsWith('bundle/'))).toEqual([]);
    expect(dependencies.filter((u) => /\/node_modules\/(commander|tsyringe|reflect-metadata|tslib)\//.test(u))).toEqual([]);
  });
});
