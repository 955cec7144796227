/**
 * The form in which a schedule's candidates (candidates.ts) cross to a worker thread and back.
 * Structured cloning copies object by object: a million small arrays or profile objects cost
 * more to clone than to compute with. So lists of integer lists travel packed (offsets and
 * values), and the typed arrays of the input and of the results are transferred, not copied. Converted once each way, here.
 */
import type { Network } from '../model/network.js';
import type { Schedule, ScheduleInput } from './makespan.js';
import type { Candidate, CandidateSet } from './candidates.js';
import type { Objective } from '../model/instance.js';
import type { HostLimits, IndexedBounds } from './network-bounds.js';

/** Lists of integers, packed: list i is values[offsets[i] .. offsets[i + 1]]. */
export interface Packed { offsets: Int32Array; values: Int32Array }

export function pack(lists: readonly ArrayLike<number>[]): Packed {
  const offsets = new Int32Array(lists.length + 1);
  for (let i = 0; i < lists.length; i++) offsets[i + 1] = offsets[i]! + lists[i]!.length;
  const values = new Int32Array(offsets[lists.length]!);
  for (let i = 0; i < lists.length; i++) {
    const list = lists[i]!;
    const at = offsets[i]!;
    for (let k = 0; k < list.length; k++) values[at + k] = list[k]!;
  }
  return { offsets, values };
}

/** Each list as a view of one buffer. */
export function unpackViews(p: Packed): Int32Array[] {
  const out = new Array<Int32Array>(p.offsets.length - 1);
  for (let i = 0; i < out.length; i++) out[i] = p.values.subarray(p.offsets[i]!, p.offsets[i + 1]!);
  return out;
}

/** Each list as an array of its exact length (push would reserve 17 slots for a list of one or two: three times the memory). */
export function unpackArrays(p: Packed): number[][] {
  const out = new Array<number[]>(p.offsets.length - 1);
  for (let i = 0; i < out.length; i++) {
    const from = p.offsets[i]!;
    const list = new Array<number>(p.offsets[i + 1]! - from);
    for (let k = 0; k < list.length; k++) list[k] = p.values[from + k]!;
    out[i] = list;
  }
  return out;
}

/** The job's first part, sent as soon as the input is known (the thread unpacks it while the graph is built). */
export interface InputMessage {
  input: Omit<ScheduleInput, 'network'> & { network: Omit<Network, 'hostLinks'> & { hostLinks: Packed } };
  objective: Objective;
  /** For the makespan bounds of the first graph, computed there too. */
  limits: HostLimits;
}

/** The job's second part: the graphs whose candidates are wanted. */
export interface GraphsMessage { graphs: Packed[] }

/** The buffers of a message's packed parts: fresh copies, so transferred rather than copied again. */
export function packedBuffers(m: InputMessage | GraphsMessage): ArrayBuffer[] {
  const views: ArrayBufferView[] = [];
  const packed = (p: Packed) => views.push(p.offsets, p.values);
  if ('graphs' in m) m.graphs.forEach(packed);
  else {
    views.push(m.input.paths.start, m.input.paths.channel, m.input.guests, m.limits.maxOutgoing, m.limits.maxIncoming);
    packed(m.input.network.hostLinks);
  }
  return [...new Set(views.map((v) => v.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer))];
}

export function encodeInput(input: ScheduleInput, objective: Objective, limits: HostLimits): InputMessage {
  const { guests, paths, network, ...rest } = input;
  const { hostLinks, ...net } = network;
  // Copies, so that the originals stay here (the chosen schedule may be followed here) and the copies are transferred.
  const copied = { guests: guests.slice(), paths: { start: paths.start.slice(), channel: paths.channel.slice() } };
  return { input: { ...rest, ...copied, network: { ...net, hostLinks: pack(hostLinks) } }, objective, limits };
}

export function decodeInput(m: InputMessage): { input: ScheduleInput; objective: Objective; limits: HostLimits } {
  const { network, ...rest } = m.input;
  const input: ScheduleInput = { ...rest, network: { ...network, hostLinks: unpackViews(network.hostLinks) } };
  return { input, objective: m.objective, limits: m.limits };
}

export const encodeGraphs = (graphs: readonly (readonly (readonly number[])[])[]): GraphsMessage => ({ graphs: graphs.map(pack) });
export const decodeGraphs = (m: GraphsMessage): number[][][] => m.graphs.map(unpackArrays);

/** A candidate whose graphs are named by their place in the job's `graphs`, or packed when new. */
interface WireCandidate extends Omit<Candidate, 'after' | 'base'> { after: number | Packed; base: number }
export interface CandidatesReply { waves: Schedule; list: WireCandidate[]; bounds: IndexedBounds }

/** The reply, and the buffers to transfer with it. */
export function encodeReply(found: CandidateSet, graphs: readonly (readonly (readonly number[])[])[], bounds: IndexedBounds): { reply: CandidatesReply; transfer: ArrayBuffer[] } {
  const buffers = new Set<ArrayBuffer>();
  const keep = (a: ArrayBufferView) => { if (a.buffer instanceof ArrayBuffer) buffers.add(a.buffer); };
  const schedules = [found.waves, ...found.list.map((c) => c.schedule)];
  for (const s of schedules) { keep(s.start); keep(s.end); keep(s.forced); }
  const list = found.list.map((c): WireCandidate => {
    const known = graphs.indexOf(c.after);
    const after = known >= 0 ? known : pack(c.after);
    if (typeof after !== 'number') { keep(after.offsets); keep(after.values); }
    const base = graphs.indexOf(c.base);
    if (base < 0) throw new Error('a candidate extends a graph the job did not give');
    return { ...c, after, base };
  });
  return { reply: { waves: found.waves, list, bounds }, transfer: [...buffers] };
}

/** The candidates with the caller's own graph objects where they are the job's (attach.ts compares them by identity). */
export function decodeReply(reply: CandidatesReply, graphs: readonly (readonly (readonly number[])[])[]): CandidateSet {
  const list = reply.list.map((c): Candidate => {
    const { after: wire, ...rest } = c;
    const candidate = { ...rest, base: graphs[c.base]! } as Candidate;
    if (typeof wire === 'number') return { ...candidate, after: graphs[wire]! };
    // A new graph (a list schedule's start decisions) is unpacked when read: only the chosen one is.
    let after: number[][] | undefined;
    return Object.defineProperty(candidate, 'after', { enumerable: true, get: () => (after ??= unpackArrays(wire)) });
  });
  return { waves: reply.waves, list };
}
