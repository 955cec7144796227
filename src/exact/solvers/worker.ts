/**
 * The worker-thread side of solveInWorker (backend.ts): decodes the request,
 * loads the backend (posting 'started' once it is ready, which starts the
 * parent's kill timer), streams progress, posts the encoded result. An unknown
 * backend name or an exception escaping the backend surfaces as the worker's
 * 'error' event, which the parent reports as status 'error'.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { SolveRequest } from '../linear-model.js';
import type { WorkerInput, WorkerMessage } from './backend.js';
import { decodeJson, encodeJson } from './common.js';
import { getBackend } from './registry.js';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
const post = (message: WorkerMessage) => port.postMessage(message);

const input = workerData as WorkerInput;
const backend = getBackend(input.backend);
const request = decodeJson<SolveRequest>(input.request);
// Loads the solver (WebAssembly) before the kill timer starts.
await backend.available();
post({ type: 'started' });
const result = await backend.solve(request, (progress) => post({ type: 'progress', progress }));
post({ type: 'result', result: encodeJson(result) });
