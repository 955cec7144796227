/**
 * The compiled, index-based form of an instance. Engines, rules and the verifier
 * work on indices and typed arrays so that clouds of thousands of hosts stay fast.
 * Nothing here knows about solvers or plugins.
 */
import type { HostDoc, InstanceDoc, SlaDoc, VmDoc } from './instance.js';
import { indexInstance, type InstanceIndex } from '../io/validate-instance.js';
import { compactSource, NO_ATTRIBUTES, NO_SLA } from './source.js';

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
  /**
   * The document this model was compiled from (for plugins that read extra fields). Only its
   * small parts are kept as given; `vms`, `placement` and `target` are rebuilt from the model
   * when read (equal values, key order aside; src/model/source.ts): read them once, not per VM.
   */
  readonly source: InstanceDoc;
}

const isExtension = (key: string) => key.startsWith('x-');

function limitOf(value: number | null | undefined, fallback: number): number {
  if (value === null) return Infinity;
  return value ?? fallback;
}

/** Sorted resource names (RAM first) that hosts limit or VMs demand (x- keys aside). */
export function resourcesOf(doc: Pick<InstanceDoc, 'hosts' | 'vms'>): string[] {
  const resourceSet = new Set<string>();
  const addKeys = (m: Record<string, number> | undefined) => {
    for (const k in m) if (Object.hasOwn(m, k) && !isExtension(k)) resourceSet.add(k);
  };
  for (const h of doc.hosts) addKeys(h.capacity);
  for (const v of doc.vms) addKeys(v.demand);
  return [...resourceSet].sort((a, b) => (a === 'ram' ? -1 : b === 'ram' ? 1 : a.localeCompare(b)));
}

/**
 * Compiles a schema-valid document. Name errors must already have been reported by the
 * semantic validator (`indexInstance`, whose index it reuses when given); this function
 * assumes names resolve. The model keeps no reference to the document's VMs or assignments.
 */
export function compileModel(doc: InstanceDoc, index: InstanceIndex = indexInstance(doc).index): Model {
  const resources = resourcesOf(doc);
  const vms = new VmCompiler(resources, doc.vms.length);
  for (let i = 0; i < doc.vms.length; i++) vms.add(doc.vms[i]!, i);
  return assembleModel(doc, index, resources, vms);
}

/**
 * The model from a document's small parts (hosts, limits, policy...), its index and its VMs
 * compiled: `doc`'s vms, placement and target are not read (src/io/instance-pieces.ts passes
 * placeholders for them).
 */
export function assembleModel(doc: InstanceDoc, index: InstanceIndex, resources: string[], vms: VmCompiler): Model {
  const limits = doc.limits ?? {};
  const hosts = compileHosts(doc.hosts, resources, limits);
  const V = vms.infos.length;
  const { placement, target } = index;
  // the index's target says -1 for "not listed": the VM stays
  for (let i = 0; i < V; i++) if (target[i] === -1 && !(index.listed?.[i])) target[i] = placement[i]!;
  const source = compactSource(doc, {
    resources, hostNames: hosts.infos.map((h) => h.name), vms: vms.infos, demand: vms.demand, placement, target,
    listed: index.listed, verbatim: vms.verbatim, placementExtras: index.placementExtras, targetExtras: index.targetExtras,
  });
  return {
    resources, hosts: hosts.infos, vms: vms.infos, capacity: hosts.capacity, reserved: hosts.reserved, allocationRatio: hosts.allocationRatio,
    demand: vms.demand, placement, target, maxPerWave: limitOf(limits.maxPerWave, Infinity), hostIndex: index.hostIndex, vmIndex: index.vmIndex, source,
  };
}

function compileHosts(docs: readonly HostDoc[], resources: readonly string[], limits: NonNullable<InstanceDoc['limits']>) {
  const R = resources.length;
  const H = docs.length;
  const defaultOut = limitOf(limits.maxOutgoingPerHost, 1);
  const defaultIn = limitOf(limits.maxIncomingPerHost, 1);
  const capacity = new Float64Array(H * R).fill(Infinity);
  const reserved = new Float64Array(H * R);
  const allocationRatio = new Float64Array(H * R).fill(1);
  const infos: HostInfo[] = docs.map((h, i) => {
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
      attributes: h.attributes ?? NO_ATTRIBUTES,
    };
  });
  return { infos, capacity, reserved, allocationRatio };
}

/** Whether `key` is one of a VM document's own keys (anything else is an x- key). */
function vmKey(key: string): boolean {
  switch (key) {
    case 'name': case 'demand': case 'group': case 'image': case 'sla': case 'attributes': return true;
    default: return false;
  }
}

/** A VM's info, one shape for every VM (absent sla and attributes: the shared stand-ins). */
function vmInfo(index: number, name: string, group: string | undefined, image: string | undefined, sla: SlaDoc | undefined, attributes: Record<string, unknown> | undefined): VmInfo {
  return { index, name, group, image, sla: sla ?? NO_SLA, attributes: attributes ?? NO_ATTRIBUTES };
}

/**
 * VM infos and demands, VM by VM in index order into arrays sized up front (or grown by
 * `reserve` when the count is not known yet, then cut by `trim`); `verbatim`: the VMs whose
 * documents the model cannot rebuild exactly (another key, an x- or zero demand, an empty
 * demand), kept for `Model.source`.
 */
export class VmCompiler {
  /** Row-major [vm * R + r]; a reader of VM records may write a row itself (then `addPlain`). */
  demand: Float64Array;
  readonly infos: VmInfo[];
  readonly verbatim = new Map<number, VmDoc>();
  private readonly R: number;
  private readonly column: Map<string, number>;

  constructor(resources: readonly string[], count: number) {
    this.R = resources.length;
    this.column = new Map(resources.map((r, j) => [r, j]));
    this.demand = new Float64Array(count * this.R);
    this.infos = new Array<VmInfo>(count);
  }

  /** Compiles VM `i`; false when it demands a resource that is neither a column nor an x- key (not counted). */
  add(v: VmDoc, i: number): boolean {
    const R = this.R;
    let exact = true;
    let known = true;
    for (const key in v) if (!vmKey(key)) exact = false;
    const d = v.demand;
    if (d !== undefined) {
      let listed = 0;
      for (const r in d) { // a JSON object: no enumerable inherited keys
        const amount = d[r]!;
        const j = isExtension(r) ? undefined : this.column.get(r);
        if (j === undefined) known &&= isExtension(r);
        if (j === undefined || amount === 0) exact = false;
        else this.demand[i * R + j] = amount;
        listed++;
      }
      if (listed === 0) exact = false;
    }
    if (!exact) this.verbatim.set(i, v);
    this.infos[i] = vmInfo(i, v.name, v.group, v.image, v.sla, v.attributes);
    return known;
  }

  /** VM `i`, whose demand row the caller wrote (an exact document: its demands are non-zero columns, listed or absent). */
  addPlain(i: number, name: string, group: string | undefined, image: string | undefined, sla: SlaDoc | undefined, attributes: Record<string, unknown> | undefined): void {
    this.infos[i] = vmInfo(i, name, group, image, sla, attributes);
  }

  /** Room for `count` VMs' demands (doubling: a reader that does not know the count yet). */
  reserve(count: number): void {
    if (count * this.R <= this.demand.length) return;
    const grown = new Float64Array(Math.max(count, 2 * this.demand.length / Math.max(1, this.R), 1024) * this.R);
    grown.set(this.demand);
    this.demand = grown;
  }

  /** VM `i`'s demand row back to zeros (a row a reader began and gave back). */
  clearRow(i: number): void {
    this.demand.fill(0, i * this.R, (i + 1) * this.R);
  }

  /** Exactly `count` VMs: the room `reserve` made beyond them cut off. */
  trim(count: number): void {
    if (this.demand.length > count * this.R) this.demand = this.demand.slice(0, count * this.R);
    this.infos.length = count;
  }
}

/** VMs whose target differs from their placement, in index order. */
export function misplacedVms(model: Model): number[] {
  const out: number[] = [];
  for (let v = 0; v < model.vms.length; v++) if (model.placement[v] !== model.target[v]) out.push(v);
  return out;
}
