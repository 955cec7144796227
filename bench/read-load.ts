/**
 * Reading and loading one instance, as `shunt plan` does, in a process of its own:
 *
 *   node dist/bench/read-load.js INSTANCE_FILE [--whole]
 *
 * Default: `readInstance` (the bytes) then `loadInstance` (compiled piece by piece,
 * src/io/instance-pieces.ts). With --whole: `readDocument` (the parsed document) then
 * `loadInstance`, the path of documents the pieces path gives up on. Prints one JSON line:
 * wall and CPU seconds of read and load, peak RSS (MiB), and the time in garbage collection by
 * kind (scavenge, mark-compact), from perf_hooks.
 */
import 'reflect-metadata';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { loadInstance } from '../src/api.js';
import { readDocument, readInstance } from '../src/io/read.js';

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'markCompact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak',
};

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: read-load INSTANCE_FILE [--whole]');
  const whole = process.argv.includes('--whole');
  const gc: Record<string, number> = {};
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[(e as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
      gc[kind] = (gc[kind] ?? 0) + e.duration / 1000;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const lap = () => {
    const cpu = process.cpuUsage();
    const t = performance.now();
    return () => {
      const used = process.cpuUsage(cpu);
      return { wall: (performance.now() - t) / 1000, cpu: (used.user + used.system) / 1e6 };
    };
  };
  let end = lap();
  let doc: unknown = whole ? await readDocument(file) : await readInstance(file);
  const read = end();
  end = lap();
  const loaded = await loadInstance(doc, { source: file });
  doc = undefined;
  const load = end();
  // the observer reports after the event loop turns
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  const round = (x: number) => Math.round(x * 100) / 100;
  process.stdout.write(JSON.stringify({
    file, path: whole ? 'whole' : 'pieces', vms: loaded.model.vms.length,
    read: { wall: round(read.wall), cpu: round(read.cpu) }, load: { wall: round(load.wall), cpu: round(load.cpu) },
    readLoadCpu: round(read.cpu + load.cpu), peakMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    gcSeconds: Object.fromEntries(Object.entries(gc).map(([k, v]) => [k, round(v)])),
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`read-load: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
