/**
 * The `scale` and `full` benchmark suites: generated clouds written to a file as a stream
 * (the document is never one string), each planned in a child process of its own
 * (bench/scale-run.ts) that reads the file as the CLI does, so that the peak memory and
 * the per-phase times are the instance's alone.
 *
 * scale: 10,000 to 160,000 hosts (about 16 VMs each) at 85 % RAM, 40 % retargeted.
 * full: very full clouds, 95 % and 98 % RAM, 500 and 2,000 hosts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJsonFile } from '../src/io/json-stream.js';
import { generateCloud, requiredMoves, type CloudOptions } from './generate.js';
import type { ScaleResult } from './scale-run.js';

export interface ScaleCase {
  suite: 'scale' | 'full';
  name: string;
  hosts: number;
  seed: number;
  options: CloudOptions;
}

export interface ScaleRun extends ScaleResult {
  generateSeconds: number;
  requiredMoves: number;
  fileMiB: number;
}

export function scaleCases(suite: 'scale' | 'full', quick: boolean, hosts?: number[], seeds?: number[]): ScaleCase[] {
  const seedList = seeds ?? [1];
  if (suite === 'scale') {
    const sizes = hosts ?? (quick ? [10_000, 20_000] : [10_000, 20_000, 40_000, 80_000, 160_000]);
    return sizes.flatMap((h) => seedList.map((seed) => ({ suite, name: `scale-h${h}-s${seed}`, hosts: h, seed, options: { hosts: h, seed } })));
  }
  const sizes = hosts ?? (quick ? [500] : [500, 2000]);
  const fills = quick ? [0.95] : [0.95, 0.98];
  return fills.flatMap((fill) => sizes.flatMap((h) => seedList.map((seed) => ({
    suite, name: `full${Math.round(fill * 100)}-h${h}-s${seed}`, hosts: h, seed, options: { hosts: h, seed, fill, fillJitter: 0.01 },
  }))));
}

/** Generates the instance to a temporary file (streamed), plans it in a child, removes the file. */
export async function runScaleCase(c: ScaleCase, timeLimit: number, profileDir?: string): Promise<ScaleRun> {
  const dir = join(tmpdir(), 'shunt-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${c.name}.json`);
  const t = performance.now();
  let doc: ReturnType<typeof generateCloud> | undefined = generateCloud(c.options);
  const required = requiredMoves(doc);
  await writeJsonFile(file, doc, 0);
  doc = undefined; // the child reads the file; the parent need not keep the document
  const generateSeconds = (performance.now() - t) / 1000;
  const { size } = statSync(file);
  try {
    const result = await child(file, timeLimit, profileDir);
    return { ...result, generateSeconds, requiredMoves: required, fileMiB: size / 2 ** 20 };
  } finally {
    rmSync(file, { force: true });
  }
}

function child(file: string, timeLimit: number, profileDir?: string): Promise<ScaleResult> {
  const script = fileURLToPath(new URL('./scale-run.js', import.meta.url));
  const args = [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), script, file, '--time-limit', String(timeLimit)];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as ScaleResult);
      else reject(new Error(`scale-run exited with ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}
