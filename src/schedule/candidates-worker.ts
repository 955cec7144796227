/**
 * Worker-thread entry of parallel-candidates.ts: computes a schedule's candidates from the one
 * job it is sent (the input, then the graphs) and posts them back. While the graphs are being
 * built, it simulates the plan's waves up to a lower bound on every schedule's makespan
 * (candidates.ts earlyWaves). When the plan's own waves were stopped at the cutoff and
 * will not be followed (the chosen candidate is not the network-aware one), they are run on
 * here, where the paused simulation lives, instead of simulated again on the main thread; so
 * are the makespan bounds of the first graph.
 */
import { parentPort } from 'node:worker_threads';
import { best, candidates, earlyWaves, type EarlyWaves } from './candidates.js';
import { decodeGraphs, decodeInput, encodeReply, type GraphsMessage, type InputMessage } from './candidates-wire.js';
import { resumeSchedule, simulateWaves } from './makespan.js';
import { graphFreeBound, indexedBounds } from './network-bounds.js';
import { soloSeconds } from './network-schedule.js';

// First the input (unpacked while the main thread builds the graph), then the graphs.
parentPort!.once('message', (first: InputMessage) => {
  const { input, objective, limits } = decodeInput(first);
  // Listening first: the graphs' message waits in the queue while the waves are simulated.
  let early: EarlyWaves | undefined;
  parentPort!.once('message', (second: GraphsMessage) => {
    const graphs = decodeGraphs(second);
    const found = candidates(input, graphs, objective, early);
    if (best(found.list).kind !== 'network' && !Number.isFinite(found.waves.makespan)) {
      found.waves = resumeSchedule(found.waves) ?? simulateWaves(input);
    }
    // The main thread would compute them from the same input and first graph: here, the solo runs are known.
    const bounds = indexedBounds(limits, input, graphs[0]!, soloSeconds(input));
    const { reply, transfer } = encodeReply(found, graphs, bounds);
    parentPort!.postMessage(reply, transfer);
  });
  // While the main thread builds the graph: the waves' simulation, up to where no cutoff comes earlier.
  if (input.plan.n > 0) early = earlyWaves(input, graphFreeBound(limits, input));
});
