/**
 * The schedules attachSchedule (attach.ts) chooses from: the network-aware list schedules of
 * each graph, each migration as soon as the graph allows (asap), and the plan's own waves.
 * Plain data in, plain data out (no model, no rules), so that a worker thread can compute
 * them (parallel-candidates.ts) while the main thread checks the graph.
 */
import type { Objective } from '../model/instance.js';
import { forcedCount, resumeSchedule, simulateDependencies, simulateWaves, type Cutoff, type Schedule, type ScheduleInput } from './makespan.js';
import { listSchedule, type ListOptions } from './network-schedule.js';

/** The plan's own waves (possibly stopped at the cutoff) and the candidates in order of preference at equal makespan. */
export interface CandidateSet { waves: Schedule; list: Candidate[] }

/** The list schedules tried on each graph: longest chain first, and busiest channel first. */
const LIST_VARIANTS: ListOptions[] = [{ priority: 'chain' }, { priority: 'load' }];

export type ScheduleKind = 'asap' | 'network' | 'waves';
export interface Candidate {
  kind: ScheduleKind;
  schedule: Schedule;
  after: readonly (readonly number[])[];
  forced: number;
  /** The verified graph `after` extends. */
  base: readonly (readonly number[])[];
}

/**
 * The schedules attachSchedule chooses from, in order of preference at equal makespan. The
 * network-aware one is simulated first: the others stop once they are longer (makespan
 * Infinity), which spares simulating thousands of migrations crawling over shared links.
 */
export function candidates(input: ScheduleInput, graphs: readonly (readonly (readonly number[])[])[], objective: Objective, early?: EarlyWaves): CandidateSet {
  const deps = graphs[0]!;
  let cutoff: Cutoff = {};
  let network: Candidate | undefined;
  // The first list schedule of `deps` when it is its as-soon-as-possible schedule.
  let asapFound: Schedule | undefined;
  if (objective !== 'waves' && input.plan.n > 0) {
    for (const base of graphs) {
      for (const variant of LIST_VARIANTS) {
        const stop: Cutoff = network && !network.forced ? { time: network.schedule.makespan, converging: true } : {};
        const list = listSchedule(input, base, variant, stop);
        // The extended graph's own as-soon-as-possible schedule: what a runner following `after` gets.
        const own = isOwnSchedule(input, list.schedule, stop);
        const schedule = own ? list.schedule : simulateDependencies(input, list.after, stop);
        const { after } = list;
        const candidate: Candidate = { kind: 'network', schedule, after, forced: forcedCount(schedule), base };
        if (!network || best([network, candidate]) === candidate) network = candidate;
        if (list.immediate && own && base === deps && !asapFound) asapFound = schedule;
        // Every other priority gives this same schedule, which would not replace it.
        if (list.immediate) break;
      }
    }
    if (!network!.forced) cutoff = { time: network!.schedule.makespan * (1 + 1e-9), converging: true };
  }
  const asap = asapFound && reachesEnd(asapFound, cutoff) ? asapFound : simulateDependencies(input, deps, cutoff);
  const waves = wavesFrom(early, cutoff) ?? simulateWaves(input, cutoff);
  const list: Candidate[] = [{ kind: 'asap', schedule: asap, after: deps, forced: forcedCount(asap), base: deps }];
  if (network) list.push(network);
  list.push({ kind: 'waves', schedule: waves, after: deps, forced: forcedCount(waves), base: deps });
  return { waves, list };
}

/**
 * The plan's waves simulated before the graphs are known (a worker thread waiting for them),
 * up to `time`, a time no candidate's cutoff is expected to come before (a lower bound on
 * every schedule's makespan): most of their simulation is done by then.
 */
export interface EarlyWaves { schedule: WaveSchedule; time: number }

type WaveSchedule = ReturnType<typeof simulateWaves>;

export function earlyWaves(input: ScheduleInput, time: number): EarlyWaves {
  // Converging, so that it may run on to a cutoff that asks for convergence (makespan.ts resume).
  return { schedule: simulateWaves(input, { time, converging: true }), time };
}

/**
 * The early waves run on to `cutoff`: what simulateWaves(input, cutoff) gives. Undefined when
 * they cannot be (the cutoff comes before their stop), to be simulated afresh.
 */
function wavesFrom(early: EarlyWaves | undefined, cutoff: Cutoff): WaveSchedule | undefined {
  if (!early || (cutoff.time ?? Infinity) < early.time) return undefined;
  // Ended before its stop, converging all the way: the same under any later cutoff.
  if (Number.isFinite(early.schedule.makespan)) return early.schedule;
  return resumeSchedule(early.schedule, cutoff);
}

/**
 * Whether a list schedule's own simulation is, event for event, the as-soon-as-possible
 * schedule of its extended graph (so that need not be simulated again): each migration is
 * released at the end of the one it was started after, the instant the other simulation
 * releases it too. Only the order of releases within an instant differs, which matters
 * only when a release acts at once: so a setup phase must end strictly after its release
 * at every time the simulation reached (`setup` above the rounding of the latest time).
 * Cut off, the two stop at the same event.
 */
function isOwnSchedule(input: ScheduleInput, schedule: Schedule, cutoff: Cutoff): boolean {
  const latest = Number.isFinite(schedule.makespan) ? schedule.makespan : cutoff.time;
  const { setup } = input.options;
  return latest !== undefined && setup > 0 && setup > latest * 2 ** -50;
}

/**
 * Whether a simulation of schedule `s` with `cutoff` runs to the end: it ends by the
 * cutoff's time, and converges where the cutoff asks for it. (A schedule in which no two
 * migrations ever share a channel changes no rate, so has no stale event after its end.)
 */
function reachesEnd(s: Schedule, cutoff: Cutoff): boolean {
  return s.makespan <= (cutoff.time ?? Infinity) && !(cutoff.converging && forcedCount(s) > 0);
}

/** The preferred candidate: fewer non-converging migrations, else the shortest (the first at equal makespan). */
export function best(list: Candidate[]): Candidate {
  return list.reduce((a, b) => (b.forced < a.forced || (b.forced === a.forced && b.schedule.makespan < a.schedule.makespan - 1e-9) ? b : a));
}
