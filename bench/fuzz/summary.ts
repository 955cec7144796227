/** Aggregates instance results into the campaign table (per family and in total). */
import type { InstanceResult } from './evaluate.js';

export interface Spread { n: number; mean: number; p90: number; max: number }

export interface Row {
  family: string;
  instances: number;
  verified: number;
  invalid: number;
  crashes: number;
  timeouts: number;
  falseInfeasible: number;
  falseUnknown: number;
  /** Answers that are right: proven infeasible, or unknown, where the oracle proved no plan exists. */
  rightlyInfeasible: number;
  falseOptimal: number;
  /** The construction, the oracle and verification disagree (a fuzzer bug). */
  disagreements: number;
  /** Generated documents the loader rejected (a generator bug). */
  rejected: number;
  oracleGaveUp: number;
  costOverOptimum: Spread | null;
  wavesOverBound: Spread | null;
  seconds: number;
}

export function spread(values: number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  const p90 = sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)]!;
  return { n: sorted.length, mean, p90, max: sorted[sorted.length - 1]! };
}

const count = (results: InstanceResult[], test: (r: InstanceResult) => boolean) => results.filter(test).length;

export function summarise(family: string, results: InstanceResult[]): Row {
  const verified = results.filter((r) => r.outcome === 'verified');
  return {
    family,
    instances: results.length,
    verified: verified.length,
    invalid: count(results, (r) => r.outcome === 'invalid'),
    crashes: count(results, (r) => r.outcome === 'crash'),
    timeouts: count(results, (r) => r.outcome === 'timeout'),
    falseInfeasible: count(results, (r) => r.falseInfeasible),
    falseUnknown: count(results, (r) => r.falseUnknown),
    rightlyInfeasible: count(results, (r) => (r.outcome === 'infeasible' || r.outcome === 'unknown') && r.truth.feasible === false),
    falseOptimal: count(results, (r) => r.falseOptimal),
    disagreements: count(results, (r) => r.truth.disagreements.length > 0),
    rejected: count(results, (r) => r.outcome === 'rejected'),
    oracleGaveUp: count(results, (r) => r.truth.oracle.status === 'gave-up' || r.truth.oracle.status === 'skipped'),
    costOverOptimum: spread(verified.filter((r) => r.truth.optimum).map((r) => r.cost! / r.truth.optimum!)),
    wavesOverBound: spread(verified.filter((r) => r.wavesLowerBound).map((r) => r.waves! / r.wavesLowerBound!)),
    seconds: results.reduce((s, r) => s + (r.seconds ?? 0), 0),
  };
}

/** Results that make the campaign fail (exit code 1). Timeouts are reported, not failed. */
export function isFailure(r: InstanceResult): boolean {
  return r.outcome === 'invalid' || r.outcome === 'crash' || r.outcome === 'rejected'
    || r.falseInfeasible || r.falseUnknown || r.falseOptimal || r.truth.disagreements.length > 0;
}

/** Worth a look and a dump: failures and timeouts. */
export function isNotable(r: InstanceResult): boolean {
  return isFailure(r) || r.outcome === 'timeout';
}

const fmt = (s: Spread | null) => (s ? `${s.mean.toFixed(3)} / ${s.p90.toFixed(3)} / ${s.max.toFixed(3)} (${s.n})` : '–');

export function formatTable(rows: Row[]): string {
  const header = ['family', 'instances', 'verified', 'invalid', 'crashes', 'timeouts', 'false infeasible', 'false unknown',
    'no plan (right)', 'false optimal', 'oracle disagrees', 'rejected', 'oracle gave up', 'cost/opt mean / p90 / max (n)', 'waves/LB mean / p90 / max (n)', 'engine s'];
  const lines = rows.map((r) => [r.family, r.instances, r.verified, r.invalid, r.crashes, r.timeouts, r.falseInfeasible, r.falseUnknown,
    r.rightlyInfeasible, r.falseOptimal, r.disagreements, r.rejected, r.oracleGaveUp, fmt(r.costOverOptimum), fmt(r.wavesOverBound), r.seconds.toFixed(1)].map(String));
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
}
