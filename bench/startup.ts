/**
 * Start-up time of the command line: wall-clock milliseconds of whole `node` processes.
 *
 *   node dist/bench/startup.js [--runs N] [--entry FILE ...] [--json FILE] [--self-cpu]
 *   npm run bench -- --suite startup [--runs N] [--entry FILE ...]
 *
 * Runs each command N times (default 20), round robin so that the load of a shared machine
 * falls on every command alike, and prints min and median per command with `node -e 0` as
 * the baseline measured in the same run. It times the file the installed `shunt` runs
 * (package.json's bin, the bundle of scripts/bundle.mjs). `--entry` (repeatable) times another
 * build's executable beside it (dist/src/cli/main.js, tsc's output unbundled, or a copy of
 * another commit's build), so that before and after are compared in one run. Every run must exit 0, or the bench fails.
 * Where GNU time is installed (/usr/bin/time), each run goes through it and the table adds
 * the process's CPU seconds (user + system, 10 ms resolution): on a shared, loaded machine
 * they vary far less than wall time. `--self-cpu` measures CPU in the process instead, to
 * 0.01 ms (see timeOnce).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { packageRoot } from '../src/util/package-root.js';

interface Command { label: string; args: string[] }
interface Row { label: string; runs: number; minMs: number; medianMs: number; cpuMinMs?: number; cpuMedianMs?: number }

const GNU_TIME = '/usr/bin/time';

/** What a user runs: help, and the smallest plan and validation (examples/swap.json, 3 hosts). */
function commands(entries: string[]): Command[] {
  const swap = join(packageRoot(), 'examples', 'swap.json');
  const several = entries.length > 1;
  return [
    { label: 'node -e 0', args: ['-e', '0'] },
    ...entries.flatMap((entry) => {
      const who = several ? ` [${entry}]` : '';
      return [
        { label: `shunt --help${who}`, args: [entry, '--help'] },
        { label: `shunt plan examples/swap.json${who}`, args: [entry, 'plan', swap] },
        { label: `shunt validate examples/swap.json${who}`, args: [entry, 'validate', swap] },
      ];
    }),
  ];
}

/**
 * How a run's CPU time is measured: GNU time (10 ms resolution), or the process itself
 * (`--self-cpu`: a preloaded module writes process.cpuUsage() on exit, to 0.01 ms; the module
 * is loaded by every row alike, node -e 0 included), or not at all.
 */
type CpuSource = 'gnu-time' | 'self' | 'none';

/**
 * The preloaded module of `--self-cpu`: a CommonJS file (`--require`), since an ES module
 * (`--import`) would start Node's ES module loader in every run, which a CommonJS executable
 * does not need (the rounds before this one preloaded a `data:` ES module: their `node -e 0`
 * read about 10 ms more).
 */
function selfCpuModule(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'shunt-startup-')), 'cpu.cjs');
  writeFileSync(file, "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write(`\\nstartup-cpu ${(u.user + u.system) / 1000}\\n`); });\n");
  return file;
}

/** Wall milliseconds of one run, and its CPU milliseconds when measured. */
function timeOnce(c: Command, cpu: CpuSource, cpuModule = ''): { wall: number; cpu?: number } {
  const [file, args] = cpu === 'gnu-time' ? [GNU_TIME, ['-f', 'cpu %U %S', process.execPath, ...c.args]]
    : cpu === 'self' ? [process.execPath, ['--require', cpuModule, ...c.args]] : [process.execPath, c.args];
  const started = performance.now();
  const r = spawnSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = performance.now() - started;
  if (r.status !== 0) throw new Error(`${c.label} exited ${r.status}: ${r.stderr}`);
  if (cpu === 'self') {
    const own = /^startup-cpu ([\d.]+)$/m.exec(r.stderr);
    return own ? { wall, cpu: Number(own[1]) } : { wall };
  }
  const used = cpu === 'gnu-time' ? /^cpu ([\d.]+) ([\d.]+)$/m.exec(r.stderr) : null;
  return used ? { wall, cpu: (Number(used[1]) + Number(used[2])) * 1000 } : { wall };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export function measureStartup(entries: string[], runs: number, selfCpu = false): Row[] {
  const list = commands(entries);
  const cpu: CpuSource = selfCpu ? 'self' : existsSync(GNU_TIME) ? 'gnu-time' : 'none';
  const times = list.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  const cpuModule = cpu === 'self' ? selfCpuModule() : undefined;
  try {
    for (const c of list) timeOnce(c, cpu, cpuModule); // warm the file cache (and the code cache), not counted
    for (let r = 0; r < runs; r++) {
      for (const [i, c] of list.entries()) {
        const t = timeOnce(c, cpu, cpuModule);
        times[i]!.wall.push(t.wall);
        if (t.cpu !== undefined) times[i]!.cpu.push(t.cpu);
      }
    }
  } finally {
    if (cpuModule) rmSync(dirname(cpuModule), { recursive: true, force: true });
  }
  return list.map((c, i) => {
    const { wall, cpu: used } = times[i]!;
    return { label: c.label, runs, minMs: Math.min(...wall), medianMs: median(wall), ...(used.length ? { cpuMinMs: Math.min(...used), cpuMedianMs: median(used) } : {}) };
  });
}

export function startupTable(rows: Row[]): string {
  const base = rows[0]!;
  const cpu = rows.every((r) => r.cpuMinMs !== undefined);
  const lines = [
    `| command | runs | wall min (ms) | wall median (ms) | wall min − node -e 0 (ms) |${cpu ? ' CPU min (ms) | CPU median (ms) |' : ''}`,
    `|---|--:|--:|--:|--:|${cpu ? '--:|--:|' : ''}`,
  ];
  for (const r of rows) {
    lines.push(`| ${r.label} | ${r.runs} | ${r.minMs.toFixed(0)} | ${r.medianMs.toFixed(0)} | ${(r.minMs - base.minMs).toFixed(0)} |${cpu ? ` ${r.cpuMinMs!.toFixed(0)} | ${r.cpuMedianMs!.toFixed(0)} |` : ''}`);
  }
  return lines.join('\n');
}

/** The file the installed `shunt` command runs (package.json's bin: the bundle, scripts/bundle.mjs). */
function installedBin(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { bin: { shunt: string } }).bin.shunt;
}

export function runStartup(argv: string[]): number {
  let runs = 20;
  const entries: string[] = [];
  let json: string | undefined;
  let selfCpu = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') runs = Number(argv[++i]);
    else if (a === '--entry') entries.push(resolve(argv[++i] ?? ''));
    else if (a === '--json') json = argv[++i];
    else if (a === '--self-cpu') selfCpu = true;
    else { process.stderr.write(`bench startup: unknown argument ${a}\nusage: --suite startup [--runs N] [--entry FILE ...] [--json FILE] [--self-cpu]\n`); return 2; }
  }
  if (!Number.isInteger(runs) || runs < 1) { process.stderr.write('bench startup: --runs needs a positive integer\n'); return 2; }
  const own = join(packageRoot(), installedBin());
  const rows = measureStartup(entries.length ? [...entries, own] : [own], runs, selfCpu);
  process.stdout.write(startupTable(rows) + '\n');
  if (json) writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2) + '\n');
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = runStartup(process.argv.slice(2));
