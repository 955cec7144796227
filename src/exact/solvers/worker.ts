/**
 * The worker-thread side of solveInWorker (backend.ts): decodes the request,
 * loads the backend (posting 'started' once it is ready, which starts the
 * parent's kill timer), streams progress, posts the encoded result. An unknown
 * backend name or an exception escaping the backend surfaces as the worker's
 * 'error' event, which the parent reports as status 'error'. The thread then waits for
 * further requests (the parent keeps it warm between solves, backend.ts).
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { SolveRequest } from '../linear-model.js';
import type { WorkerInput, WorkerMessage } from './backend.js';
import { decodeJson, encodeJson } from './common.js';
import { getBackend } from './registry.js';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
const post = (message: WorkerMessage) => port.postMessage(message);

/** Solves one request: loads the backend (before the parent's kill timer starts), streams progress, posts the result. */
async function solve(input: WorkerInput): Promise<void> {
  const backend = getBackend(input.backend);
  const request = decodeJson<SolveRequest>(input.request);
  // Loads the solver (WebAssembly) before the kill timer starts.
  await backend.available();
  post({ type: 'started' });
  const result = await backend.solve(request, (progress) => post({ type: 'progress', progress }));
  post({ type: 'result', result: encodeJson(result) });
}

// The first request comes with the thread; a thread kept warm by the parent gets the next
// ones as messages, one at a time (the parent sends one only after the previous result).
// An exception escaping a later solve ends the thread as one escaping the first does:
// uncaught, it is the parent's 'error' event.
port.on('message', (input: WorkerInput) => {
  solve(input).catch((e: unknown) => setImmediate(() => { throw e; }));
});
await solve(workerData as WorkerInput);
