/**
 * BtrPlace instance JSON -> shunt instance.
 *
 * Mapping (everything else is reported as a warning, never dropped silently):
 * - every node of `model.mapping` (online and offline) becomes a host `node-<id>`; an offline node
 *   is an empty host with `attributes.offline: true` (shunt does not model booting: it treats the
 *   host as usable from the start, and says so in a warning when VMs are sent to it);
 * - `model.attributes.nodes[id]` (boot, shutdown durations in s) are copied to the host's
 *   attributes; `model.attributes.vms[id]` (memUsed MiB, hotDirtySize, hotDirtyDuration s,
 *   coldDirtyRate MiB/s) to the VM's attributes;
 * - every running VM becomes a VM `vm-<id>` placed on its node;
 * - `shareableResource` views: `mem` (GB) -> resource `ram` in MiB (x1024), `cpu` -> `cpu`;
 *   capacity per node (default `defCapacity`), demand per VM (default `defConsumption`);
 * - the `net` view becomes the instance's `network`: every link `link-<id>` with its capacity
 *   (Mb/s), and per node the links up the tree: the node's link to its switch, then each
 *   switch's link to the switch above it (switch-to-switch links included). The node's link
 *   capacity is also kept as `attributes.bandwidth`, its switch id as `attributes.switch`;
 * - a `fence` constraint on a single node is the VM's target; an `offline` constraint marks the
 *   host `attributes.shutdownRequired: true` (shunt cannot power hosts off: the warning says
 *   whether the target at least leaves the host empty).
 */
import type { HostDoc, InstanceDoc, LimitsDoc, NetworkDoc, VmDoc } from '../model/instance.js';
import { InputError, describeValue, pointer, type InputIssue } from '../io/errors.js';
import {
  hostName, idOfKey, isId, isObject, listSome, vmName,
  type BtrPlaceAttributes,
} from './btrplace-format.js';

export interface BtrPlaceImportOptions {
  /**
   * How many migrations a host may take part in at a time.
   *
   * BtrPlace has no per-host cap on concurrent migrations: its scheduler (mVM) lets any number
   * run at once and limits them through bandwidth instead (migrations sharing a link slow each
   * other down, and a migration whose memory is dirtied faster than it is copied never ends).
   * - `shunt` (default): limits `{ maxOutgoingPerHost: 1, maxIncomingPerHost: 1 }` written out,
   *   shunt's own defaults;
   * - `unlimited`: `null` (no limit) for both per-host limits and the per-wave limit, as in
   *   BtrPlace's model: shunt's network-aware schedule then decides which migrations run
   *   together from the imported network (src/schedule/network-schedule.ts).
   */
  concurrency?: 'shunt' | 'unlimited';
  /** Name of the input, for error messages. */
  source?: string;
}

export interface BtrPlaceImport {
  instance: InstanceDoc;
  /** What could not be translated, one line per kind, in words. */
  warnings: string[];
}

/** MiB per GB, as BtrPlace's `mem` resource counts memory in GB and shunt's `ram` in MiB. */
export const MIB_PER_GB = 1024;

const RESOURCES: Record<string, { name: string; factor: number }> = {
  mem: { name: 'ram', factor: MIB_PER_GB },
  cpu: { name: 'cpu', factor: 1 },
};

export function concurrencyLimits(concurrency: 'shunt' | 'unlimited'): LimitsDoc {
  return concurrency === 'unlimited'
    ? { maxOutgoingPerHost: null, maxIncomingPerHost: null, maxPerWave: null }
    : { maxOutgoingPerHost: 1, maxIncomingPerHost: 1 };
}

type Fail = (path: string, message: string) => void;
type Warn = (message: string) => void;
type HostDraft = HostDoc & { capacity: Record<string, number>; attributes: Record<string, unknown> };
type VmDraft = VmDoc & { demand: Record<string, number>; attributes: Record<string, unknown> };

/** The model's mapping, read: online nodes with their running VMs, where each VM runs, the rest. */
interface Mapping {
  online: Map<number, number[]>;
  placementOf: Map<number, number>;
  sleeping: number[];
  offline: number[];
  ready: number[];
}

/** The hosts and VMs being built, by BtrPlace id, and where the messages go. */
interface Draft {
  nodeIds: number[];
  nodeSet: Set<number>;
  offlineSet: Set<number>;
  vmIds: number[];
  placementOf: Map<number, number>;
  hosts: Map<number, HostDraft>;
  vms: Map<number, VmDraft>;
  fail: Fail;
  warn: Warn;
}

/** Throws InputError when `doc` is not a BtrPlace instance (the CLI exits 2). */
export function importBtrPlace(doc: unknown, options: BtrPlaceImportOptions = {}): BtrPlaceImport {
  const source = options.source ?? 'btrplace';
  const issues: InputIssue[] = [];
  const fail: Fail = (path, message) => { issues.push({ path, message }); };
  const warnings: string[] = [];
  const warn: Warn = (message) => { warnings.push(message); };
  const throwIfFailed = () => { if (issues.length) throw new InputError(source, issues); };

  const { root, model, mapping } = modelOf(doc, source);
  const read = readMapping(mapping, fail);
  const attributes = isObject(model['attributes']) ? model['attributes'] : {};
  const nodeAttrs = attributeMap(attributes['nodes'], '/model/attributes/nodes', fail);
  const vmAttrs = attributeMap(attributes['vms'], '/model/attributes/vms', fail);
  if (model['views'] !== undefined && !Array.isArray(model['views'])) fail('/model/views', `expected an array of views (got ${describeValue(model['views'])})`);
  if (root['constraints'] !== undefined && !Array.isArray(root['constraints'])) fail('/constraints', `expected an array of constraints (got ${describeValue(root['constraints'])})`);
  throwIfFailed();

  const draft = draftHostsAndVms(read, nodeAttrs, vmAttrs, fail, warn);
  const network = translateViews((model['views'] as unknown[] | undefined) ?? [], draft);
  throwIfFailed();
  const target = translateConstraints((root['constraints'] as unknown[] | undefined) ?? [], draft);
  warnObjective(root['objective'], warn);
  return { instance: assemble(draft, target, network, options), warnings };
}

/** The document's `model` and its `mapping`, or an InputError saying what a BtrPlace instance looks like. */
function modelOf(doc: unknown, source: string) {
  if (!isObject(doc) || !isObject(doc['model'])) {
    const hint = isObject(doc) && 'hosts' in doc && 'vms' in doc ? ' (this looks like a shunt instance already)' : '';
    throw new InputError(source, [{ path: isObject(doc) ? '/model' : '', message: `not a BtrPlace instance: expected an object with a "model" object holding "mapping", "views" and "attributes"${hint}` }]);
  }
  const model = doc['model'];
  const mapping = model['mapping'];
  if (!isObject(mapping) || !isObject(mapping['onlineNodes'])) {
    throw new InputError(source, [{ path: isObject(mapping) ? '/model/mapping/onlineNodes' : '/model/mapping', message: `not a BtrPlace instance: expected model.mapping.onlineNodes, an object of node id -> {"runningVMs": [...], "sleepingVMs": [...]} (got ${describeValue(isObject(mapping) ? mapping['onlineNodes'] : mapping)})` }]);
  }
  return { root: doc, model, mapping: mapping as Record<string, unknown> & { onlineNodes: Record<string, unknown> } };
}

function readMapping(mapping: Record<string, unknown> & { onlineNodes: Record<string, unknown> }, fail: Fail): Mapping {
  const online = new Map<number, number[]>();
  const placementOf = new Map<number, number>();
  const sleeping: number[] = [];
  for (const [key, entry] of Object.entries(mapping.onlineNodes)) {
    const path = pointer('model', 'mapping', 'onlineNodes', key);
    const node = idOfKey(key);
    if (node === undefined) { fail(path, `node id must be a non-negative integer (got ${describeValue(key)})`); continue; }
    if (!isObject(entry)) { fail(path, `expected {"runningVMs": [...], "sleepingVMs": [...]} (got ${describeValue(entry)})`); continue; }
    const running = idList(entry['runningVMs'], `${path}/runningVMs`, fail);
    for (const vm of running) {
      const other = placementOf.get(vm);
      if (other !== undefined) fail(`${path}/runningVMs`, `VM ${vm} already runs on node ${other}`);
      else placementOf.set(vm, node);
    }
    online.set(node, running);
    sleeping.push(...idList(entry['sleepingVMs'], `${path}/sleepingVMs`, fail));
  }
  const offline = idList(mapping['offlineNodes'], '/model/mapping/offlineNodes', fail);
  for (const node of offline) if (online.has(node)) fail('/model/mapping/offlineNodes', `node ${node} is both online and offline`);
  const ready = idList(mapping['readyVMs'], '/model/mapping/readyVMs', fail);
  return { online, placementOf, sleeping, offline, ready };
}

/** A host per node (online or offline) and a VM per running VM, with their attributes; warns about what is left out. */
function draftHostsAndVms(
  read: Mapping, nodeAttrs: Map<number, Record<string, unknown>>, vmAttrs: Map<number, Record<string, unknown>>,
  fail: Fail, warn: Warn,
): Draft {
  const { placementOf, sleeping, ready } = read;
  const nodeIds = [...new Set([...read.online.keys(), ...read.offline])].sort((a, b) => a - b);
  const nodeSet = new Set(nodeIds);
  const offlineSet = new Set(read.offline);
  const vmIds = [...placementOf.keys()].sort((a, b) => a - b);
  const strayAttrs = [
    ...[...nodeAttrs.keys()].filter((n) => !nodeSet.has(n)).map(hostName),
    ...[...vmAttrs.keys()].filter((v) => !placementOf.has(v)).map(vmName),
  ];
  if (strayAttrs.length) warn(`attributes of ${strayAttrs.length} nodes or VMs that are not in the model's running set ignored (${listSome(strayAttrs)})`);
  if (sleeping.length) warn(`${sleeping.length} sleeping VMs not translated: shunt plans running VMs only (${listSome(sleeping.map(vmName))})`);
  if (ready.length) warn(`${ready.length} ready (not running) VMs not translated: shunt plans running VMs only (${listSome(ready.map(vmName))})`);

  const hosts = new Map<number, HostDraft>();
  for (const id of nodeIds) {
    const attrs: Record<string, unknown> = { ...(nodeAttrs.get(id) ?? {}) };
    if (offlineSet.has(id)) attrs['offline'] = true;
    hosts.set(id, { name: hostName(id), capacity: {}, attributes: attrs });
  }
  const vms = new Map<number, VmDraft>();
  for (const id of vmIds) vms.set(id, { name: vmName(id), demand: {}, attributes: { ...(vmAttrs.get(id) ?? {}) } });
  return { nodeIds, nodeSet, offlineSet, vmIds, placementOf, hosts, vms, fail, warn };
}

/** The views: resources onto capacities and demands, the `net` view to the network; others are reported. */
function translateViews(views: unknown[], draft: Draft): NetworkDoc | undefined {
  const { warn } = draft;
  const seenResources = new Set<string>();
  let network: NetworkDoc | undefined;
  views.forEach((view, i) => {
    const path = pointer('model', 'views', i);
    if (!isObject(view)) { warn(`view #${i} is not an object: ignored`); return; }
    if (view['id'] === 'shareableResource') {
      translateResourceView(view, path, seenResources, draft);
    } else if (view['id'] === 'net') {
      if (network) warn(`a second net view (${path}) is ignored`);
      else network = translateNetwork(view, path, draft.hosts, draft.nodeSet, warn);
    } else {
      warn(`view "${String(view['id'] ?? '?')}" not translated (${path})`);
    }
  });
  return network;
}

/** A `shareableResource` view (`mem`, `cpu`) as every host's capacity and every VM's demand. */
function translateResourceView(view: Record<string, unknown>, path: string, seenResources: Set<string>, draft: Draft): void {
  const { fail, warn } = draft;
  const rc = typeof view['rcId'] === 'string' ? view['rcId'] : undefined;
  const target = rc !== undefined ? RESOURCES[rc] : undefined;
  if (rc === undefined || !target) { warn(`view shareableResource "${rc ?? '?'}" not translated: only "mem" and "cpu" are (${path})`); return; }
  if (seenResources.has(rc)) { warn(`view shareableResource "${rc}" appears twice: the second one (${path}) is ignored`); return; }
  seenResources.add(rc);
  const defCapacity = amount(view['defCapacity'], `${path}/defCapacity`, 0, fail);
  const defConsumption = amount(view['defConsumption'], `${path}/defConsumption`, 0, fail);
  const caps = amountMap(view['nodes'], `${path}/nodes`, fail);
  const uses = amountMap(view['vms'], `${path}/vms`, fail);
  for (const [id, host] of draft.hosts) host.capacity[target.name] = (caps.get(id) ?? defCapacity) * target.factor;
  for (const [id, vm] of draft.vms) vm.demand[target.name] = (uses.get(id) ?? defConsumption) * target.factor;
  const strayNodes = [...caps.keys()].filter((n) => !draft.nodeSet.has(n));
  const strayVms = [...uses.keys()].filter((v) => !draft.placementOf.has(v));
  if (strayNodes.length || strayVms.length) {
    warn(`view shareableResource "${rc}" lists ${strayNodes.length} nodes and ${strayVms.length} VMs that are not in the model's running set: their amounts are ignored (${listSome([...strayNodes.map(hostName), ...strayVms.map(vmName)])})`);
  }
}

/** What the constraints said that was translated only in part, or not at all, for the warnings. */
interface ConstraintTally {
  other: Map<string, number>;
  multiFences: string[];
  badFences: string[];
  continuousFences: string[];
  conflicting: string[];
  shutdown: number[];
  badOffline: string[];
}

/** Fences on one node become targets, `offline` marks hosts; returns the target (VM id -> node id). */
function translateConstraints(constraints: unknown[], draft: Draft): Map<number, number> {
  const target = new Map<number, number>();
  const tally: ConstraintTally = { other: new Map(), multiFences: [], badFences: [], continuousFences: [], conflicting: [], shutdown: [], badOffline: [] };
  const count = (id: string) => tally.other.set(id, (tally.other.get(id) ?? 0) + 1);
  constraints.forEach((c, i) => {
    const id = isObject(c) && typeof c['id'] === 'string' ? c['id'] : undefined;
    if (!isObject(c) || id === undefined) count('(no id)');
    else if (id === 'fence') translateFence(c, i, target, tally, draft);
    else if (id === 'offline') translateOffline(c, i, tally, draft);
    else count(id);
  });
  warnConstraints(tally, target, draft);
  return target;
}

function translateFence(c: Record<string, unknown>, i: number, target: Map<number, number>, tally: ConstraintTally, draft: Draft): void {
  const vm = c['vm'];
  const nodes = Array.isArray(c['nodes']) ? c['nodes'] : undefined;
  if (!isId(vm) || !nodes || !nodes.every(isId)) { tally.badFences.push(`#${i}`); return; }
  if (nodes.length !== 1) { tally.multiFences.push(vmName(vm)); return; }
  const node = nodes[0] as number;
  if (!draft.placementOf.has(vm) || !draft.nodeSet.has(node)) { tally.badFences.push(`${vmName(vm)} -> ${hostName(node)}`); return; }
  const previous = target.get(vm);
  if (previous !== undefined && previous !== node) { tally.conflicting.push(`${vmName(vm)}: ${hostName(previous)} / ${hostName(node)}`); return; }
  target.set(vm, node);
  if (c['continuous'] === true) tally.continuousFences.push(vmName(vm));
}

function translateOffline(c: Record<string, unknown>, i: number, tally: ConstraintTally, draft: Draft): void {
  const node = c['node'];
  if (!isId(node) || !draft.nodeSet.has(node)) { tally.badOffline.push(`#${i}`); return; }
  draft.hosts.get(node)!.attributes['shutdownRequired'] = true;
  tally.shutdown.push(node);
}

function warnConstraints(tally: ConstraintTally, target: Map<number, number>, draft: Draft): void {
  const { warn } = draft;
  const { multiFences, badFences, conflicting, continuousFences, badOffline, shutdown } = tally;
  for (const [id, n] of tally.other) warn(`constraint "${id}" (${n}) not translated`);
  if (multiFences.length) warn(`${multiFences.length} fence constraints on several nodes not translated: a shunt target is one host, these VMs keep their current host (${listSome(multiFences)})`);
  if (badFences.length) warn(`${badFences.length} fence constraints name unknown or not running VMs or nodes, or are malformed: not translated (${listSome(badFences)})`);
  if (conflicting.length) warn(`${conflicting.length} VMs are fenced to two different nodes: the first fence is kept (${listSome(conflicting)})`);
  if (continuousFences.length) warn(`${continuousFences.length} continuous fences translated as targets only: shunt does not keep the VM on the node during the plan (${listSome(continuousFences)})`);
  if (badOffline.length) warn(`${badOffline.length} offline constraints name unknown nodes or are malformed: not translated (${listSome(badOffline)})`);
  if (shutdown.length) {
    const finalLoad = new Map<number, number>();
    for (const vm of draft.vmIds) {
      const at = target.get(vm) ?? draft.placementOf.get(vm)!;
      finalLoad.set(at, (finalLoad.get(at) ?? 0) + 1);
    }
    const notEmptied = shutdown.filter((n) => (finalLoad.get(n) ?? 0) > 0);
    warn(`constraint "offline" (${shutdown.length}) not translated: shunt does not power hosts off; the hosts carry attributes.shutdownRequired and ${notEmptied.length === 0 ? 'the target leaves every one of them empty' : `the target does NOT empty ${notEmptied.length} of them (${listSome(notEmptied.map(hostName))})`}`);
  }
  const targeted = new Set(target.values());
  const booted = draft.nodeIds.filter((n) => draft.offlineSet.has(n) && targeted.has(n));
  if (booted.length) {
    warn(`${booted.length} offline nodes receive VMs: BtrPlace boots them first (attributes.boot, in s); shunt treats them as available from the start (${listSome(booted.map(hostName))})`);
  }
}

function warnObjective(objective: unknown, warn: Warn): void {
  if (isObject(objective) && typeof objective['id'] === 'string') {
    warn(`objective "${objective['id']}" not translated: shunt minimises the cost of its policy (cost plugin)`);
  } else if (objective !== undefined) {
    warn('objective not translated: shunt minimises the cost of its policy (cost plugin)');
  }
}

function assemble(draft: Draft, target: Map<number, number>, network: NetworkDoc | undefined, options: BtrPlaceImportOptions): InstanceDoc {
  const placement: Record<string, string> = {};
  const targetDoc: Record<string, string> = {};
  for (const vm of draft.vmIds) {
    placement[vmName(vm)] = hostName(draft.placementOf.get(vm)!);
    const to = target.get(vm);
    if (to !== undefined) targetDoc[vmName(vm)] = hostName(to);
  }
  return {
    hosts: draft.nodeIds.map((id) => tidyHost(draft.hosts.get(id)!)),
    vms: draft.vmIds.map((id) => tidyVm(draft.vms.get(id)!)),
    placement,
    target: targetDoc,
    limits: concurrencyLimits(options.concurrency ?? 'shunt'),
    ...(network ? { network } : {}),
  };
}

/** Where a link of the `net` view leads: its id, capacity (Mb/s) and the switch above its element. */
interface NetLink { id: number; capacity: number; up: number }

function translateNetwork(
  view: Record<string, unknown>, path: string,
  hosts: Map<number, { name: string; attributes: Record<string, unknown> }>, nodeSet: Set<number>,
  warn: (m: string) => void,
): NetworkDoc | undefined {
  const links = Array.isArray(view['links']) ? view['links'] : [];
  const switches = Array.isArray(view['switches']) ? view['switches'] : [];
  const perNode = new Map<number, NetLink[]>();
  const perSwitch = new Map<number, NetLink[]>(); // switch -> its links up
  const strange: string[] = [];
  links.forEach((l, i) => {
    const pe = isObject(l) && isObject(l['physicalElement']) ? l['physicalElement'] : undefined;
    const capacity = isObject(l) && typeof l['capacity'] === 'number' ? l['capacity'] : undefined;
    const up = isObject(l) ? l['switch'] : undefined;
    const id = isObject(l) && isId(l['id']) ? l['id'] : i;
    if (!pe || capacity === undefined || !isId(pe['id']) || !isId(up)) { strange.push(`#${i}`); return; }
    const link: NetLink = { id, capacity, up };
    const owner = pe['id'];
    if (pe['type'] === 'node') {
      if (!nodeSet.has(owner)) { strange.push(`#${i} (unknown node ${owner})`); return; }
      perNode.set(owner, [...(perNode.get(owner) ?? []), link]);
    } else if (pe['type'] === 'switch') {
      perSwitch.set(owner, [...(perSwitch.get(owner) ?? []), link]);
    } else {
      strange.push(`#${i}`);
    }
  });
  const several: string[] = [];
  const used = new Map<number, NetLink>();
  const hostLinks: Record<string, string[]> = {};
  for (const [node, list] of perNode) {
    const host = hosts.get(node)!;
    const attrs = host.attributes;
    const finite = list.filter((x) => x.capacity > 0);
    if (finite.length) attrs['bandwidth'] = Math.min(...finite.map((x) => x.capacity));
    if (list.length === 1) attrs['switch'] = list[0]!.up;
    if (list.length > 1) several.push(hostName(node));
    const own = finite[0];
    if (!own) continue;
    // Up the tree: the node's link, then each switch's link to the switch above it.
    const chain = [own];
    const seen = new Set<number>();
    for (let sw = own.up; !seen.has(sw) && perSwitch.get(sw)?.length; sw = chain[chain.length - 1]!.up) {
      seen.add(sw);
      chain.push(perSwitch.get(sw)![0]!);
    }
    for (const l of chain) used.set(l.id, l);
    hostLinks[host.name] = chain.map((l) => linkName(l.id));
  }
  const unlinked = [...nodeSet].filter((n) => !perNode.has(n));
  const multiUp = [...perSwitch].filter(([, list]) => list.length > 1).map(([sw]) => `switch ${sw}`);
  const switchLinks = [...perSwitch.values()].flat();
  const unused = switchLinks.filter((l) => !used.has(l.id) && l.capacity > 0);
  const nonPositive = [...perNode.values(), switchLinks].flat().filter((l) => !(l.capacity > 0));
  const limited = switches.filter((s) => isObject(s) && typeof s['capacity'] === 'number' && s['capacity'] >= 0);
  if (limited.length) warn(`net view: ${limited.length} switches with a finite capacity not translated (only links limit bandwidth in shunt)`);
  const routing = isObject(view['routing']) ? view['routing']['type'] : undefined;
  if (routing !== undefined && routing !== 'default') warn(`net view: routing "${String(routing)}" not translated (shunt routes up the tree of links)`);
  if (several.length) warn(`net view: ${several.length} nodes have several links: the first is their path, attributes.bandwidth the smallest (${listSome(several)})`);
  if (multiUp.length) warn(`net view: ${multiUp.length} switches have several links up: only the first is on the paths (${listSome(multiUp)})`);
  if (unused.length) warn(`net view: ${unused.length} switch links are on no node's path up (${listSome(unused.map((l) => linkName(l.id)))})`);
  if (nonPositive.length) warn(`net view: ${nonPositive.length} links without a positive capacity left out (${listSome(nonPositive.map((l) => linkName(l.id)))})`);
  if (unlinked.length) warn(`net view: ${unlinked.length} nodes have no link: they keep a link of their own of the default speed (${listSome(unlinked.map(hostName))})`);
  if (strange.length) warn(`net view: ${strange.length} links not understood: ignored (${listSome(strange)}) at ${path}/links`);
  if (!used.size) return undefined;
  const declared = [...used.values()].sort((a, b) => a.id - b.id);
  return { links: declared.map((l) => ({ name: linkName(l.id), capacity: l.capacity })), hosts: hostLinks };
}

const linkName = (id: number) => `link-${id}`;

function tidyHost(h: HostDoc & { attributes: Record<string, unknown> }): HostDoc {
  const { attributes, ...rest } = h;
  return Object.keys(attributes).length ? { ...rest, attributes } : rest;
}

function tidyVm(v: VmDoc & { attributes: Record<string, unknown> }): VmDoc {
  const { attributes, ...rest } = v;
  return Object.keys(attributes).length ? { ...rest, attributes } : rest;
}

function idList(value: unknown, path: string, fail: (p: string, m: string) => void): number[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) { fail(path, `expected an array of ids (got ${describeValue(value)})`); return []; }
  const out: number[] = [];
  value.forEach((x, i) => {
    if (isId(x)) out.push(x);
    else fail(`${path}/${i}`, `expected a non-negative integer id (got ${describeValue(x)})`);
  });
  return out;
}

function attributeMap(value: unknown, path: string, fail: (p: string, m: string) => void): Map<number, Record<string, unknown>> {
  const out = new Map<number, Record<string, unknown>>();
  if (value === undefined) return out;
  if (!isObject(value)) { fail(path, `expected an object of id -> attributes (got ${describeValue(value)})`); return out; }
  for (const [key, attrs] of Object.entries(value as BtrPlaceAttributes)) {
    const id = idOfKey(key);
    if (id === undefined || !isObject(attrs)) { fail(`${path}${pointer(key)}`, `expected id -> {name: value} (got ${describeValue(attrs)})`); continue; }
    out.set(id, attrs);
  }
  return out;
}

function amount(value: unknown, path: string, fallback: number, fail: (p: string, m: string) => void): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) { fail(path, `expected a non-negative number (got ${describeValue(value)})`); return fallback; }
  return value;
}

function amountMap(value: unknown, path: string, fail: (p: string, m: string) => void): Map<number, number> {
  const out = new Map<number, number>();
  if (value === undefined) return out;
  if (!isObject(value)) { fail(path, `expected an object of id -> amount (got ${describeValue(value)})`); return out; }
  for (const [key, x] of Object.entries(value)) {
    const id = idOfKey(key);
    if (id === undefined) { fail(`${path}${pointer(key)}`, `id must be a non-negative integer (got ${describeValue(key)})`); continue; }
    out.set(id, amount(x, `${path}${pointer(key)}`, 0, fail));
  }
  return out;
}
