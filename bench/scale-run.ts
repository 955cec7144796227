/**
 * One instance of the `scale` and `full` benchmark suites, run in a child process of its
 * own so that its peak memory (maxRSS) is the instance's alone:
 *
 *   node dist/bench/scale-run.js INSTANCE_FILE [--time-limit S] [--out PLAN_FILE]
 *
 * (without --out the plan is written to a temporary file, then removed)
 *
 * Reads the file as the CLI does (a stream; gzip by magic number), then times each phase:
 * read, load (schema, names, model, plugins, placement/target rule checks), plan (the
 * engine), verify (the replay verifier), schedule (dependency graph, its check for every
 * allowed order, durations, makespans) and write (the plan JSON, streamed). Prints one JSON
 * line: the phases' seconds, peak memory, waves and cost against their lower bounds.
 */
import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInstance } from '../src/api.js';
import { readInstance } from '../src/io/read.js';
import { writeJsonFile } from '../src/io/json-stream.js';
import { verifyPlan } from '../src/verify/replay.js';
import { attachScheduleInParallel } from '../src/schedule/attach.js';
import { durationOptionsOf } from '../src/schedule/duration-options.js';

export interface ScaleResult {
  hosts: number;
  vms: number;
  status: string;
  verified: boolean;
  phases: Record<'read' | 'load' | 'plan' | 'verify' | 'schedule' | 'write', number>;
  /** Peak RSS (MiB) reached by the end of each phase: which phase sets the peak. */
  peakAfter: Record<'read' | 'load' | 'plan' | 'verify' | 'schedule' | 'write', number>;
  /** CPU seconds (user + system) per phase: steadier than wall time on a shared machine. */
  cpu: Record<'read' | 'load' | 'plan' | 'verify' | 'schedule' | 'write', number>;
  seconds: number;
  peakMiB: number;
  moves: number | null;
  waves: number | null;
  wavesLowerBound: number | null;
  cost: number | null;
  lowerBound: number | null;
  error?: string;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const file = argv[0]!;
  const flag = (name: string) => { const i = argv.indexOf(name); return i < 0 ? undefined : argv[i + 1]; };
  const timeLimit = Number(flag('--time-limit') ?? 600);
  const out = flag('--out') ?? join(tmpdir(), `shunt-scale-plan-${process.pid}.json`);
  const phases = { read: 0, load: 0, plan: 0, verify: 0, schedule: 0, write: 0 };
  const cpu = { ...phases };
  const peakAfter = { ...phases };
  let t = performance.now();
  let c = process.cpuUsage();
  const lap = (phase: keyof typeof phases) => {
    const now = performance.now();
    const used = process.cpuUsage(c);
    phases[phase] = (now - t) / 1000;
    cpu[phase] = (used.user + used.system) / 1e6;
    peakAfter[phase] = process.resourceUsage().maxRSS / 1024;
    t = now;
    c = process.cpuUsage();
  };
  let doc: unknown = await readInstance(file); // as the CLI reads: bytes, parsed piece by piece while loading
  lap('read');
  const loaded = await loadInstance(doc, { source: file });
  doc = undefined; // as in the CLI: the parsed document is not kept past loading
  lap('load');
  const plan = await loaded.engine.solve(loaded.problem, { timeLimit });
  lap('plan');
  const found = plan.status === 'optimal' || plan.status === 'feasible';
  let verified = false;
  let error: string | undefined;
  if (found) {
    // As the CLI does: the replay verifier runs while the schedule's thread simulates. Its
    // phase is the span of that call (CPU: the whole process's, the thread's included).
    let check: ReturnType<typeof verifyPlan> | undefined;
    let span = { wall: 0, cpu: 0, peak: 0 };
    const alongside = () => {
      const [w0, c0] = [performance.now(), process.cpuUsage()];
      check = verifyPlan(loaded.problem, plan.waves);
      const used = process.cpuUsage(c0);
      span = { wall: (performance.now() - w0) / 1000, cpu: (used.user + used.system) / 1e6, peak: process.resourceUsage().maxRSS / 1024 };
      return check.valid;
    };
    const schedule = await attachScheduleInParallel(loaded.problem, plan, durationOptionsOf(loaded.policy, loaded.kernel), 'cost', { alongside });
    lap('schedule');
    phases.verify = span.wall; cpu.verify = span.cpu; peakAfter.verify = span.peak;
    phases.schedule -= span.wall; cpu.schedule -= span.cpu;
    plan.cost = check!.cost;
    verified = check!.valid && schedule.valid;
    if (!verified) error = [...check!.violations, ...schedule.violations].slice(0, 3).map((v) => v.message).join(' | ');
    await writeJsonFile(out, plan);
    lap('write');
    if (!flag('--out')) rmSync(out, { force: true });
  }
  const result: ScaleResult = {
    hosts: loaded.model.hosts.length, vms: loaded.model.vms.length, status: plan.status, verified, phases, cpu, peakAfter,
    seconds: Object.values(phases).reduce((s, x) => s + x, 0),
    peakMiB: process.resourceUsage().maxRSS / 1024,
    moves: found ? plan.stats.moves : null, waves: found ? plan.stats.waves : null,
    wavesLowerBound: typeof plan.stats.wavesLowerBound === 'number' ? plan.stats.wavesLowerBound : null,
    cost: plan.cost, lowerBound: plan.lowerBound,
    ...(error ? { error } : {}),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => {
  process.stderr.write(`scale-run: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
