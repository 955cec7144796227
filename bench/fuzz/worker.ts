/**
 * A campaign worker thread: regenerates each instance it is sent, establishes what is
 * known (construction, oracle), tells the parent that the engine starts (so that a hung
 * or exploding engine can be killed from outside) and reports the verdict.
 */
import { parentPort } from 'node:worker_threads';
import { generateInstance } from './generate.js';
import { failedResult, prepare, runEngine } from './evaluate.js';
import type { JobRequest, WorkerReply } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('bench/fuzz/worker.js runs as a worker thread of the fuzz campaign');

const reply = (message: WorkerReply) => port.postMessage(message);

async function handle(job: JobRequest): Promise<void> {
  const instance = await generateInstance(job.family, job.seed, job.index, job.generator);
  if (job.timeLimit !== undefined) instance.timeLimit = job.timeLimit;
  const prepared = await prepare(instance, job.oracle);
  if ('rejected' in prepared) {
    const truth = { oracle: { status: 'skipped' as const, states: 0, seconds: 0 }, disagreements: [] };
    reply({ type: 'done', id: job.id, result: failedResult(instance, truth, 'rejected', prepared.rejected) });
    return;
  }
  const { doc, shape, timeLimit } = instance;
  reply({ type: 'started', id: job.id, shape, hosts: doc.hosts.length, vms: doc.vms.length, timeLimit, truth: prepared.truth });
  reply({ type: 'done', id: job.id, result: await runEngine(instance, prepared.truth, job.engine) });
}

port.on('message', (job: JobRequest) => {
  handle(job).catch((error: unknown) => {
    // A generator or oracle failure: the fuzzer's own bug, reported like a crash.
    const message = `fuzzer: ${error instanceof Error ? error.stack ?? error.message : String(error)}`.slice(0, 800);
    const truth = { oracle: { status: 'skipped' as const, states: 0, seconds: 0 }, disagreements: [] };
    const unknownShape = { family: job.family, seed: job.seed, index: job.index, shape: '?', doc: { hosts: [], vms: [], placement: {} }, timeLimit: 0 };
    reply({ type: 'done', id: job.id, result: failedResult(unknownShape, truth, 'crash', message) });
  });
});
