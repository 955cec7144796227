/**
 * The compiled, index-based form of an instance. Engines, rules and the verifier
 * work on indices and typed arrays so that clouds of thousands of hosts stay fast.
 * Nothing here knows about solvers or plugins.
 */
import type { InstanceDoc, SlaDoc } from './instance.js';

export interface HostInfo {
  readonly index: number;
  readonly name: string;
  readonly zone: string | undefined;
  /** Concurrent outgoing / incoming migrations allowed per wave (Infinity = unlimited). */
  readonly maxOutgoing: number;
  readonly maxIncoming: number;
  /** Receives no migration at all (it may still send). */
  readonly disabled: boolean;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface VmInfo {
  readonly index: number;
  readonly name: string;
  readonly group: string | undefined;
  readonly image: string | undefined;
  /** Service-level promises (`{}` when none). */
  readonly sla: Readonly<SlaDoc>;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface Model {
  readonly resources: readonly string[];
  readonly hosts: readonly HostInfo[];
  readonly vms: readonly VmInfo[];
  /** Row-major [host * R + r]; Infinity where the host does not list the resource. */
  readonly capacity: Float64Array;
  /** Instance values, before any over-commit plugin: reserved amount (default 0) and ratio (default 1). */
  readonly reserved: Float64Array;
  readonly allocationRatio: Float64Array;
  /** Row-major [vm * R + r]; 0 where the VM does not list the resource. */
  readonly demand: Float64Array;
  readonly placement: Int32Array;
  readonly target: Int32Array;
  readonly maxPerWave: number;
  readonly hostIndex: ReadonlyMap<string, number>;
  readonly vmIndex: ReadonlyMap<string, number>;
  /** The document this model was compiled from (for plugins that read extra fields). */
  readonly source: InstanceDoc;
}

const isExtension = (key: string) => key.startsWith('x-');

function limitOf(value: number | null | undefined, fallback: number): number {
  if (value === null) return Infinity;
  return value ?? fallback;
}

/**
 * Compiles a schema-valid document. Name errors must already have been reported
 * by the semantic validator; this function assumes names resolve.
 */
export function compileModel(doc: InstanceDoc): Model {
  const resourceSet = new Set<string>();
  const addKeys = (m: Record<string, number> | undefined) => {
    for (const k in m) if (Object.hasOwn(m, k) && !isExtension(k)) resourceSet.add(k);
  };
  for (const h of doc.hosts) addKeys(h.capacity);
  for (const v of doc.vms) addKeys(v.demand);
  const resources = [...resourceSet].sort((a, b) => (a === 'ram' ? -1 : b === 'ram' ? 1 : a.localeCompare(b)));
  const R = resources.length;
  const H = doc.hosts.length;
  const V = doc.vms.length;
  const limits = doc.limits ?? {};
  const defaultOut = limitOf(limits.maxOutgoingPerHost, 1);
  const defaultIn = limitOf(limits.maxIncomingPerHost, 1);

  const capacity = new Float64Array(H * R).fill(Infinity);
  const reserved = new Float64Array(H * R);
  const allocationRatio = new Float64Array(H * R).fill(1);
  const hostIndex = new Map<string, number>();
  const hosts: HostInfo[] = doc.hosts.map((h, i) => {
    hostIndex.set(h.name, i);
    resources.forEach((r, j) => {
      const c = h.capacity?.[r];
      if (c !== undefined) capacity[i * R + j] = c;
      const res = h.reserved?.[r];
      if (res !== undefined) reserved[i * R + j] = res;
      const ratio = h.allocationRatio?.[r];
      if (ratio !== undefined) allocationRatio[i * R + j] = ratio;
    });
    return {
      index: i,
      name: h.name,
      zone: h.zone,
      maxOutgoing: h.maxOutgoing === undefined ? defaultOut : limitOf(h.maxOutgoing, defaultOut),
      maxIncoming: h.maxIncoming === undefined ? defaultIn : limitOf(h.maxIncoming, defaultIn),
      disabled: h.disabled === true,
      attributes: h.attributes ?? {},
    };
  });

  const demand = new Float64Array(V * R);
  const vmIndex = new Map<string, number>();
  const vms: VmInfo[] = doc.vms.map((v, i) => {
    vmIndex.set(v.name, i);
    resources.forEach((r, j) => {
      demand[i * R + j] = v.demand?.[r] ?? 0;
    });
    return { index: i, name: v.name, group: v.group, image: v.image, sla: v.sla ?? {}, attributes: v.attributes ?? {} };
  });

  const placement = new Int32Array(V);
  const target = new Int32Array(V);
  for (let i = 0; i < V; i++) {
    const name = vms[i]!.name;
    const at = hostIndex.get(doc.placement[name]!);
    placement[i] = at ?? -1;
    const to = doc.target?.[name];
    target[i] = to === undefined ? placement[i]! : (hostIndex.get(to) ?? -1);
  }

  return {
    resources, hosts, vms, capacity, reserved, allocationRatio, demand, placement, target,
    maxPerWave: limitOf(limits.maxPerWave, Infinity),
    hostIndex, vmIndex, source: doc,
  };
}

/** VMs whose target differs from their placement, in index order. */
export function misplacedVms(model: Model): number[] {
  const out: number[] = [];
  for (let v = 0; v < model.vms.length; v++) if (model.placement[v] !== model.target[v]) out.push(v);
  return out;
}
