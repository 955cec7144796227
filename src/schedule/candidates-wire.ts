/**
 * The form in which a schedule's candidates (candidates.ts) cross to a worker thread and back.
 * Structured cloning copies object by object: a million small arrays or profile objects cost
 * more to clone than to compute with. So lists of integer lists travel packed (offsets and
 * values), the profiles as one array of numbers per field, and the typed arrays of results are
 * transferred, not copied. Converted once each way, here.
 */
import type { Network } from '../model/network.js';
import type { MigrationProfile } from './duration.js';
import type { Schedule, ScheduleInput } from './makespan.js';
import type { Candidate, CandidateSet } from './candidates.js';
import type { Objective } from '../model/instance.js';

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

/** Each list as a view of one buffer (how scheduleInput keeps its paths). */
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

/** Profiles by VM (sparse), as the VMs that have one and one column of numbers per field. */
type WireProfiles = { vms: Int32Array; keys: string[]; columns: Float64Array[] } | { plain: readonly MigrationProfile[] };

function packProfiles(profiles: readonly (MigrationProfile | undefined)[]): WireProfiles {
  const vms: number[] = [];
  let keys: string[] | undefined;
  for (let v = 0; v < profiles.length; v++) {
    const p = profiles[v];
    if (!p) continue;
    keys ??= Object.keys(p);
    vms.push(v);
  }
  keys ??= [];
  const columns = keys.map(() => new Float64Array(vms.length));
  for (let i = 0; i < vms.length; i++) {
    const p = profiles[vms[i]!]! as unknown as Record<string, unknown>;
    // A profile of another shape, or a field that is not a number: cloned as it is.
    if (Object.keys(p).length !== keys.length) return { plain: profiles as MigrationProfile[] };
    for (let k = 0; k < keys.length; k++) {
      const x = p[keys[k]!];
      if (typeof x !== 'number') return { plain: profiles as MigrationProfile[] };
      columns[k]![i] = x;
    }
  }
  return { vms: Int32Array.from(vms), keys, columns };
}

/**
 * The profiles by VM again. VMs of one flavour have equal profiles: they share one object
 * (profiles are only read), which spares a few objects and boxed numbers per VM; up to
 * SHARED_PER_KEY distinct profiles per first field are looked for, beyond it each gets its own.
 */
function unpackProfiles(w: WireProfiles, length: number): MigrationProfile[] {
  if ('plain' in w) return w.plain as MigrationProfile[];
  const out = new Array<MigrationProfile>(length);
  const { keys, columns } = w;
  const shared = new Map<number, Record<string, number>[]>();
  const equal = (p: Record<string, number>, i: number) => {
    for (let k = 0; k < keys.length; k++) if (!Object.is(p[keys[k]!], columns[k]![i])) return false;
    return true;
  };
  for (let i = 0; i < w.vms.length; i++) {
    const bucket = keys.length ? shared.get(columns[0]![i]!) ?? [] : [];
    let p = bucket.find((q) => equal(q, i));
    if (!p) {
      p = {};
      for (let k = 0; k < keys.length; k++) p[keys[k]!] = columns[k]![i]!;
      if (keys.length && bucket.length < SHARED_PER_KEY) { bucket.push(p); shared.set(columns[0]![i]!, bucket); }
    }
    out[w.vms[i]!] = p as unknown as MigrationProfile;
  }
  return out;
}

const SHARED_PER_KEY = 16;

/** The job's first part, sent as soon as the input is known (the thread unpacks it while the graph is built). */
export interface InputMessage {
  input: Omit<ScheduleInput, 'profiles' | 'paths' | 'network'> & {
    profiles: WireProfiles; profileCount: number; paths: Packed;
    network: Omit<Network, 'hostLinks'> & { hostLinks: Packed };
  };
  objective: Objective;
}

/** The job's second part: the graphs whose candidates are wanted. */
export interface GraphsMessage { graphs: Packed[] }

/** The buffers of a message's packed parts: fresh copies, so transferred rather than copied again. */
export function packedBuffers(m: InputMessage | GraphsMessage): ArrayBuffer[] {
  const views: ArrayBufferView[] = [];
  const packed = (p: Packed) => views.push(p.offsets, p.values);
  if ('graphs' in m) m.graphs.forEach(packed);
  else {
    packed(m.input.paths);
    packed(m.input.network.hostLinks);
    if (!('plain' in m.input.profiles)) views.push(m.input.profiles.vms, ...m.input.profiles.columns);
  }
  return [...new Set(views.map((v) => v.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer))];
}

export function encodeInput(input: ScheduleInput, objective: Objective): InputMessage {
  const { profiles, paths, network, ...rest } = input;
  const { hostLinks, ...net } = network;
  return {
    input: { ...rest, profiles: packProfiles(profiles), profileCount: profiles.length, paths: pack(paths), network: { ...net, hostLinks: pack(hostLinks) } },
    objective,
  };
}

export function decodeInput(m: InputMessage): { input: ScheduleInput; objective: Objective } {
  const { profiles, profileCount, paths, network, ...rest } = m.input;
  const input: ScheduleInput = {
    ...rest,
    profiles: unpackProfiles(profiles, profileCount),
    paths: unpackViews(paths),
    network: { ...network, hostLinks: unpackViews(network.hostLinks) },
  };
  return { input, objective: m.objective };
}

export const encodeGraphs = (graphs: readonly (readonly (readonly number[])[])[]): GraphsMessage => ({ graphs: graphs.map(pack) });
export const decodeGraphs = (m: GraphsMessage): number[][][] => m.graphs.map(unpackArrays);

/** A candidate whose graphs are named by their place in the job's `graphs`, or packed when new. */
interface WireCandidate extends Omit<Candidate, 'after' | 'base'> { after: number | Packed; base: number }
export interface CandidatesReply { waves: Schedule; list: WireCandidate[] }

/** The reply, and the buffers to transfer with it. */
export function encodeReply(found: CandidateSet, graphs: readonly (readonly (readonly number[])[])[]): { reply: CandidatesReply; transfer: ArrayBuffer[] } {
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
  return { reply: { waves: found.waves, list }, transfer: [...buffers] };
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
