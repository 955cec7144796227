/** Job counters and duration histograms, written in the Prometheus text format. */
import type { JobKind } from './jobs.js';
import { JOB_STATES, type JobState, type QueueCounts } from './queue.js';

const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

class Histogram {
  readonly counts = new Array<number>(BUCKETS.length).fill(0);
  sum = 0;
  count = 0;
  observe(seconds: number): void {
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
  lines(name: string, labels: string): string[] {
    const sep = labels ? `${labels},` : '';
    return [
      ...BUCKETS.map((b, i) => `${name}_bucket{${sep}le="${b}"} ${this.counts[i]}`),
      `${name}_bucket{${sep}le="+Inf"} ${this.count}`,
      `${name}_sum${labels ? `{${labels}}` : ''} ${this.sum}`,
      `${name}_count${labels ? `{${labels}}` : ''} ${this.count}`,
    ];
  }
}

export class Metrics {
  private readonly finished = new Map<string, number>();
  private readonly waiting = new Map<JobKind, Histogram>();
  private readonly running = new Map<JobKind, Histogram>();
  private rejected = 0;

  /** A job reached a final state after waiting and running this many seconds. */
  finish(kind: JobKind, state: JobState, waitSeconds: number, runSeconds: number | undefined): void {
    const key = `${kind}\u0000${state}`;
    this.finished.set(key, (this.finished.get(key) ?? 0) + 1);
    histogram(this.waiting, kind).observe(waitSeconds);
    if (runSeconds !== undefined) histogram(this.running, kind).observe(runSeconds);
  }

  /** A submission refused with 429. */
  reject(): void {
    this.rejected++;
  }

  /** Mean run time in seconds of the jobs finished so far (for Retry-After), or undefined. */
  meanRunSeconds(): number | undefined {
    let sum = 0, count = 0;
    for (const h of this.running.values()) { sum += h.sum; count += h.count; }
    return count ? sum / count : undefined;
  }

  text(counts: QueueCounts): string {
    const lines = [
      '# HELP shunt_jobs Jobs by state: queued and running now, the final states counted since start.',
      '# TYPE shunt_jobs gauge',
      `shunt_jobs{state="queued"} ${counts.queued}`,
      `shunt_jobs{state="running"} ${counts.running}`,
      ...JOB_STATES.filter((s) => s !== 'queued' && s !== 'running').map((s) => `shunt_jobs{state="${s}"} ${this.total(s)}`),
      '# HELP shunt_jobs_finished_total Jobs that reached a final state, by kind and state.',
      '# TYPE shunt_jobs_finished_total counter',
      ...[...this.finished].map(([key, n]) => { const [kind, state] = key.split('\u0000'); return `shunt_jobs_finished_total{kind="${kind}",state="${state}"} ${n}`; }),
      '# HELP shunt_queue_length Jobs waiting for a worker.',
      '# TYPE shunt_queue_length gauge',
      `shunt_queue_length ${counts.queued}`,
      '# HELP shunt_jobs_rejected_total Submissions refused because the queue was full (429).',
      '# TYPE shunt_jobs_rejected_total counter',
      `shunt_jobs_rejected_total ${this.rejected}`,
      '# HELP shunt_job_wait_seconds Time from submission to start (or to cancellation before start).',
      '# TYPE shunt_job_wait_seconds histogram',
      ...[...this.waiting].flatMap(([kind, h]) => h.lines('shunt_job_wait_seconds', `kind="${kind}"`)),
      '# HELP shunt_job_run_seconds Time from start to a final state.',
      '# TYPE shunt_job_run_seconds histogram',
      ...[...this.running].flatMap(([kind, h]) => h.lines('shunt_job_run_seconds', `kind="${kind}"`)),
    ];
    return lines.join('\n') + '\n';
  }

  private total(state: JobState): number {
    let n = 0;
    for (const [key, count] of this.finished) if (key.endsWith(`\u0000${state}`)) n += count;
    return n;
  }
}

function histogram(map: Map<JobKind, Histogram>, kind: JobKind): Histogram {
  let h = map.get(kind);
  if (!h) map.set(kind, (h = new Histogram()));
  return h;
}

/** Seconds a client should wait before submitting again: the queue ahead of it over the workers. */
export function retryAfter(metrics: Metrics, queued: number, workers: number): number {
  const mean = metrics.meanRunSeconds() ?? 1;
  return Math.min(60, Math.max(1, Math.ceil((mean * (queued + 1)) / Math.max(1, workers))));
}
