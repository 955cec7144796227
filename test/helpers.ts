/** Small builders so that tests read like the situations they describe. */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostDoc, InstanceDoc, PolicyDoc, VmDoc } from '../src/model/instance.js';
import type { Plan } from '../src/model/plan.js';
import { loadInstance, planMigrations, type Loaded } from '../src/api.js';
import { verifyPlan } from '../src/verify/replay.js';
import { run } from '../src/cli/run.js';

export interface CloudSpec {
  /** host name -> capacity, or a full host document without the name. */
  hosts: Record<string, Record<string, number> | Omit<HostDoc, 'name'>>;
  /** vm name -> demand, or a full VM document without the name. */
  vms: Record<string, Record<string, number> | Omit<VmDoc, 'name'>>;
  at: Record<string, string>;
  to?: Record<string, string>;
  policy?: PolicyDoc;
  limits?: InstanceDoc['limits'];
}

const isDoc = (x: object, key: string) => key in x;

export function cloud(spec: CloudSpec): InstanceDoc {
  return {
    hosts: Object.entries(spec.hosts).map(([name, h]) =>
      isDoc(h, 'capacity') || isDoc(h, 'zone') || isDoc(h, 'reserved') ? { name, ...(h as Omit<HostDoc, 'name'>) } : { name, capacity: h as Record<string, number> }),
    vms: Object.entries(spec.vms).map(([name, v]) =>
      isDoc(v, 'demand') || isDoc(v, 'group') ? { name, ...(v as Omit<VmDoc, 'name'>) } : { name, demand: v as Record<string, number> }),
    placement: spec.at,
    ...(spec.to ? { target: spec.to } : {}),
    ...(spec.limits ? { limits: spec.limits } : {}),
    ...(spec.policy ? { policy: spec.policy } : {}),
  };
}

export async function load(doc: InstanceDoc, policy?: PolicyDoc): Promise<Loaded> {
  return loadInstance(doc, { policy, source: 'test' });
}

/** Plans and re-verifies independently of the API's own check. */
export async function plan(doc: InstanceDoc, policy?: PolicyDoc): Promise<Plan> {
  const { plan: p, loaded } = await planMigrations(doc, { policy, source: 'test' });
  if (p.status === 'optimal' || p.status === 'feasible') {
    const check = verifyPlan(loaded.problem, p.waves);
    if (!check.valid) throw new Error(`plan fails verification: ${JSON.stringify(check.violations)}`);
  }
  return p;
}

export function moves(p: Plan): string[] {
  return p.waves.flatMap((w) => w.migrations.map((m) => `${m.vm}:${m.from}>${m.to}`));
}

export function wavesOf(p: Plan): string[][] {
  return p.waves.map((w) => w.migrations.map((m) => `${m.vm}:${m.from}>${m.to}`));
}

/** What a command line run printed and how it ended (`status` is `code`, as spawnSync names it). */
export interface CliResult { code: number | null; status: number | null; stdout: string; stderr: string }

/** The executable as tsc builds it (`npx tsc -p .` is enough): one file per module. */
export const CLI = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
/** The file the installed `shunt` runs: package.json's bin, the bundle of dist/src (scripts/bundle.mjs, `npm run build`). */
export const BUNDLED_CLI = join(__dirname, '..', (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { bin: { shunt: string } }).bin.shunt);

/**
 * Runs the command line in this process (the same run() the executable calls). Use it
 * unless the process boundary is the point: stdin, signals, pipes, exit of the process.
 */
export async function shunt(...args: string[]): Promise<CliResult> {
  return cli(args);
}

/** shunt() with the arguments as a list and, optionally, text for standard input ("-"). */
export async function cli(args: string[], input?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, ...(input !== undefined ? { stdin: input } : {}) });
  return { code, status: code, stdout, stderr };
}

/** Runs the built executable (npm run build first) as a child process. */
export function shuntProcess(args: string[], options: { input?: string; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { input: options.input, cwd: options.cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary directory. */
export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'shunt-'));
