/**
 * Start-up time of the command line: wall-clock milliseconds of whole `node` processes.
 *
 *   node dist/bench/startup.js [--runs N] [--entry FILE ...] [--json FILE]
 *   npm run bench -- --suite startup [--runs N] [--entry FILE ...]
 *
 * Runs each command N times (default 20), round robin so that the load of a shared machine
 * falls on every command alike, and prints min and median per command with `node -e 0` as
 * the baseline measured in the same run. `--entry` (repeatable) times another build's
 * dist/src/cli/main.js beside this one (say a copy of the previous commit's build), so that
 * before and after are compared in one run. Every run must exit 0, or the bench fails.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../src/util/package-root.js';

interface Command { label: string; args: string[] }
interface Row { label: string; runs: number; minMs: number; medianMs: number }

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

function timeOnce(c: Command): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, c.args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${c.label} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export function measureStartup(entries: string[], runs: number): Row[] {
  const list = commands(entries);
  const times = list.map(() => [] as number[]);
  for (const c of list) timeOnce(c); // warm the file cache, not counted
  for (let r = 0; r < runs; r++) for (const [i, c] of list.entries()) times[i]!.push(timeOnce(c));
  return list.map((c, i) => ({ label: c.label, runs, minMs: Math.min(...times[i]!), medianMs: median(times[i]!) }));
}

export function startupTable(rows: Row[]): string {
  const base = rows[0]!;
  const lines = ['| command | runs | min (ms) | median (ms) | min − node -e 0 (ms) |', '|---|--:|--:|--:|--:|'];
  for (const r of rows) lines.push(`| ${r.label} | ${r.runs} | ${r.minMs.toFixed(0)} | ${r.medianMs.toFixed(0)} | ${(r.minMs - base.minMs).toFixed(0)} |`);
  return lines.join('\n');
}

export function runStartup(argv: string[]): number {
  let runs = 20;
  const entries: string[] = [];
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') runs = Number(argv[++i]);
    else if (a === '--entry') entries.push(resolve(argv[++i] ?? ''));
    else if (a === '--json') json = argv[++i];
    else { process.stderr.write(`bench startup: unknown argument ${a}\nusage: --suite startup [--runs N] [--entry FILE ...] [--json FILE]\n`); return 2; }
  }
  if (!Number.isInteger(runs) || runs < 1) { process.stderr.write('bench startup: --runs needs a positive integer\n'); return 2; }
  const own = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  const rows = measureStartup(entries.length ? [...entries, own] : [own], runs);
  process.stdout.write(startupTable(rows) + '\n');
  if (json) writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2) + '\n');
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = runStartup(process.argv.slice(2));
