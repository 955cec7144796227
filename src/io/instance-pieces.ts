/**
 * Loading an instance from its bytes piece by piece, so that the parsed document is never
 * whole: its small members (hosts, limits, policy...) are parsed as they are, the `vms` array
 * is read record by record from its bytes into the model's arrays (vm-records.ts: plain records
 * without a parsed object, others parsed about PIECE_BYTES at a time), in the root scan's walk
 * when `hosts` comes before it, and `placement` and `target` are read from their bytes
 * (assignment-bytes.ts) or parsed as arrays of keys and values (json-scan.ts): no interned
 * keys, no Map of a million names, no pass over one. What is parsed dies young, where
 * collecting it is cheap; a whole parsed document lived long enough to be marked and compacted.
 *
 * This path only accepts: at anything a check would report (schema, names, resources,
 * network), or that it does not handle (a repeated or "__proto__" key at the root, a demand of
 * a resource no host limits), it gives up and `loadInstance` parses the whole document and
 * checks it as before, so every message stays the same.
 */
import type { InstanceDoc, PolicyDoc } from '../model/instance.js';
import { assembleModel, resourcesOf, VmCompiler, type Model } from '../model/model.js';
import { networkIssues } from '../model/network.js';
import { assignPlain, HostsByBytes, type AssignmentTarget } from './assignment-bytes.js';
import { OPEN_ARRAY, OPEN_OBJECT, textOf } from './json-bytes.js';
import { parseMembersAsPairs, scanRoot, type RootMember } from './json-scan.js';
import type { SchemaValidator } from './schemas.js';
import { indexInstance, undemandedWarnings, type InstanceIndex } from './validate-instance.js';
import { VmRecordReader, type ReadVms } from './vm-records.js';

/** Bytes of given-back VM records (and of the assignments' pieces) parsed at a time. */
export const PIECE_BYTES = 1 << 20;

export interface CompiledInstance {
  model: Model;
  /** The instance's own policy. */
  policy: PolicyDoc | undefined;
  /** resourceWarnings of the instance. */
  warnings: string[];
}

const GIVE_UP = Symbol('give up');
const giveUp = (): never => { throw GIVE_UP; };

const REBUILT = new Set(['vms', 'placement', 'target']);
const isExtension = (key: string) => key.startsWith('x-');

/** The model of a valid instance given as bytes, or undefined: then parse the whole document and check it. */
export function compileInstanceBytes(bytes: Uint8Array, schemas: SchemaValidator, batch = PIECE_BYTES): CompiledInstance | undefined {
  // another directory's instance schema may say more of vms and assignments than each piece shows
  if (!schemas.ownSchemas) return undefined;
  try {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    return compile(buffer, schemas, Math.max(1, batch));
  } catch (e) {
    if (e === GIVE_UP || e instanceof SyntaxError) return undefined;
    throw e;
  }
}

function compile(bytes: Buffer, schemas: SchemaValidator, batch: number): CompiledInstance {
  const early = new VmsAfterHosts(bytes, schemas, batch);
  const members = scanRoot(bytes, batch, early.reader) ?? giveUp();
  const { rest, big } = smallMembers(bytes, members, early.parsed);
  const vms = big.get('vms');
  const placement = big.get('placement');
  const target = big.get('target');
  if (bytes[vms?.start ?? -1] !== OPEN_ARRAY || bytes[placement?.start ?? -1] !== OPEN_OBJECT) giveUp();
  if (target && bytes[target.start] !== OPEN_OBJECT) giveUp();
  // the document without its VMs and assignments: what the schema says of it, its hosts' names and network
  const shell = { ...rest, vms: [], placement: {}, ...(target ? { target: {} } : {}) } as unknown as InstanceDoc;
  // (read with the hosts the document keeps: a repeated "hosts" keeps its last)
  const readEarly = early.read?.start === vms!.start && early.read.hosts === shell.hosts ? early.read.vms : undefined;
  // hosts the early reader had checked are not checked again (the schema checks each member on its own)
  if (!schemas.valid('instance', readEarly ? { ...shell, hosts: [] } : shell)) giveUp();
  const hostsChecked = indexInstance(shell);
  if (hostsChecked.issues.length || networkIssues(shell).length) giveUp();
  const resources = resourcesOf(shell);
  // the VMs, read in the scan when the hosts came first, else now
  const compiled = readEarly ?? readVms(bytes, vms!.start, resources, schemas, batch);
  if (compiled.end !== vms!.end) giveUp();
  const index = assignments(bytes, placement!, target, shell.hosts.map((h) => h.name), hostsChecked.index.hostIndex, compiled);
  // `rest` has placeholders for vms, placement and target, which Model.source rebuilds
  const model = assembleModel(rest as unknown as InstanceDoc, index, resources, compiled.vms);
  return { model, policy: (rest as { policy?: PolicyDoc }).policy, warnings: undemandedWarnings(compiled.undemanded) };
}

function parseSlice(bytes: Uint8Array, start: number, end: number, open = '', close = ''): unknown {
  return JSON.parse(open + textOf(bytes, start, end) + close);
}

const isKey = (bytes: Uint8Array, member: RootMember, key: string) => textOf(bytes, member.keyStart, member.keyEnd) === `"${key}"`;

/**
 * The VMs read during the root's scan, when `hosts` (whose capacities are the columns) comes
 * before `vms`: the scan then skips the array, which the reader walks instead. The hosts
 * parsed on the way are kept for smallMembers.
 */
class VmsAfterHosts {
  read: { start: number; hosts: unknown; vms: ReadVms } | undefined;
  readonly parsed = new Map<number, unknown>();

  constructor(private readonly bytes: Buffer, private readonly schemas: SchemaValidator, private readonly batch: number) {}

  readonly reader = (member: RootMember, before: readonly RootMember[]): number | undefined => {
    const { bytes } = this;
    if (this.read || bytes[member.start] !== OPEN_ARRAY || !isKey(bytes, member, 'vms')) return undefined;
    const hostsMember = before.find((m) => isKey(bytes, m, 'hosts'));
    if (!hostsMember) return undefined;
    const hosts = parseSlice(bytes, hostsMember.start, hostsMember.end);
    this.parsed.set(hostsMember.start, hosts);
    // the columns are the hosts' resources: hosts the schema refuses give up before they are read
    if (!this.schemas.valid('instance', { hosts, vms: [], placement: {} })) giveUp();
    const resources = resourcesOf({ hosts: hosts as InstanceDoc['hosts'], vms: [] });
    const vms = readVms(bytes, member.start, resources, this.schemas, this.batch);
    this.read = { start: member.start, hosts, vms };
    return vms.end;
  };
}

/** The root's members parsed but for vms, placement and target (true in their place, for the key order), which are returned as found; `parsed`: values already parsed, by start. */
function smallMembers(bytes: Uint8Array, members: readonly RootMember[], parsed: ReadonlyMap<number, unknown>) {
  const rest: Record<string, unknown> = {};
  const big = new Map<string, RootMember>();
  for (const m of members) {
    const key = parseSlice(bytes, m.keyStart, m.keyEnd);
    if (typeof key !== 'string' || key === '__proto__') return giveUp();
    if (REBUILT.has(key)) {
      if (big.has(key)) giveUp();
      big.set(key, m);
      rest[key] = true;
    } else rest[key] = parsed.has(m.start) ? parsed.get(m.start) : parseSlice(bytes, m.start, m.end);
  }
  return { rest, big };
}

/** The byte ranges of a container's pieces (between its brackets and cuts). */
function pieces(member: RootMember): Array<[number, number]> {
  if (member.children === 0) return [];
  const bounds = [member.start, ...member.cuts, member.end - 1];
  return bounds.slice(1).map((end, k) => [bounds[k]! + 1, end]);
}

/** The VMs of the array at `start`, read record by record (vm-records.ts). */
function readVms(bytes: Buffer, start: number, resources: readonly string[], schemas: SchemaValidator, batch: number): ReadVms {
  return new VmRecordReader(bytes, resources, new VmCompiler(resources, 0), schemas, batch, giveUp).read(start);
}

type CompiledVms = ReadVms;

/** The index of placement and target, as indexInstance builds it for a document without issues. */
function assignments(bytes: Buffer, placement: RootMember, target: RootMember | undefined, hostNames: readonly string[], hostIndex: Map<string, number>, compiled: CompiledVms): InstanceIndex {
  const V = compiled.count;
  const hosts = new HostsByBytes(hostNames, hostIndex);
  const placementAt = new Int32Array(V).fill(-1);
  const targetAt = new Int32Array(V).fill(-1);
  const placementExtras = assign(bytes, placement, placementAt, hostIndex, hosts, compiled);
  const targetExtras = target ? assign(bytes, target, targetAt, hostIndex, hosts, compiled) : {};
  for (let v = 0; v < V; v++) if (placementAt[v] === -1) giveUp();
  let listed: Uint8Array | undefined;
  if (target) {
    listed = new Uint8Array(V);
    for (let v = 0; v < V; v++) listed[v] = targetAt[v] === -1 ? 0 : 1;
  }
  return { hostIndex, vmIndex: compiled.vmIndex, placement: placementAt, target: targetAt, listed, placementExtras, targetExtras };
}

/**
 * Each VM's host from an assignment's pieces, read from their bytes when plain
 * (assignment-bytes.ts), else as pairs (a later pair wins, as a repeated key's last value
 * does); its x- keys.
 */
function assign(bytes: Buffer, member: RootMember, at: Int32Array, hostIndex: Map<string, number>, hosts: HostsByBytes, compiled: CompiledVms): Record<string, string> {
  const target: AssignmentTarget = { infos: compiled.vms.infos, vmIndex: compiled.vmIndex, hosts, at, next: 0 };
  const extras: Record<string, string> = {};
  for (const [start, end] of pieces(member)) {
    if (assignPlain(bytes, start, end, target, giveUp)) continue;
    const pairs = parseMembersAsPairs(bytes, start, end) ?? giveUp();
    for (let k = 0; k < pairs.length; k += 2) {
      const vm = pairs[k] as string;
      const host = pairs[k + 1];
      if (isExtension(vm)) { extras[vm] = host as string; continue; }
      if (typeof host !== 'string' || host.length === 0) giveUp();
      const v = compiled.vmIndex.get(vm) ?? giveUp();
      at[v] = hostIndex.get(host as string) ?? giveUp();
      target.next = v + 1;
    }
  }
  return extras;
}
