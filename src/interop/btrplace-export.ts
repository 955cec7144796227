/**
 * shunt plan + instance -> BtrPlace reconfiguration plan JSON
 * `{ origin: <BtrPlace model>, actions: [{ id: "migrateVM", vm, from, to, start, end }, ...] }`.
 *
 * Ids are recovered from the importer's names (`vm-<id>`, `node-<id>`); any other name gets a
 * fresh id above the largest recovered one, and a warning says which.
 *
 * Schedule (integer seconds, as BtrPlace counts): offline hosts that receive a VM are booted
 * first, all at once (`bootNode`, from 0 to their `attributes.boot`); then the waves run one
 * after another, every migration of a wave starting with it, and a wave lasting as long as its
 * longest migration; a host with `attributes.shutdownRequired` is shut down (`shutdownNode`)
 * when the last migration touching it ends. A migration's duration comes from
 * `estimateMigrationSeconds` unless the caller passes another duration model.
 *
 * Disruptive actions (plan v2) have no BtrPlace migration: a shelve is `shutdownVM` on its host
 * (the VM becomes ready), an unshelve `bootVM` on its destination, and a cold move both, the
 * shutdown in the first half of its duration and the boot in the second. Such plans are
 * scheduled wave by wave; a warning says what BtrPlace does not model (the shelved image).
 */
import type { HostDoc, InstanceDoc, VmDoc } from '../model/instance.js';
import { isTransfer, type Migration, type Wave } from '../model/plan.js';
import { hasDisruptiveActions } from '../verify/actions.js';
import { InputError, pointer, type InputIssue } from '../io/errors.js';
import { MIB_PER_GB } from './btrplace-import.js';
import {
  idFromName, listSome,
  type BtrPlaceAction, type BtrPlaceModel, type BtrPlacePlan, type BtrPlaceView,
} from './btrplace-format.js';

/** Bandwidth of a host without `attributes.bandwidth`, in Mb/s. */
export const DEFAULT_BANDWIDTH_MBPS = 10_000;
/** Megabits in one MiB (2^20 bytes x 8 bits / 10^6). */
export const MEGABITS_PER_MIB = 8.388608;

/** Seconds one migration takes; a later, finer duration model can replace the default. */
export type MigrationDuration = (vm: VmDoc, from: HostDoc, to: HostDoc) => number;

/**
 * The default duration model: the VM's RAM (`demand.ram`, MiB) copied once over the slower of
 * the two hosts' links (`attributes.bandwidth`, Mb/s; 10,000 Mb/s when absent). It ignores
 * dirtied pages, rounds and link sharing.
 */
export const estimateMigrationSeconds: MigrationDuration = (vm, from, to) => {
  const ram = vm.demand?.['ram'] ?? 0;
  const bandwidth = Math.min(bandwidthOf(from), bandwidthOf(to));
  return (ram * MEGABITS_PER_MIB) / bandwidth;
};

function bandwidthOf(host: HostDoc): number {
  const b = host.attributes?.['bandwidth'];
  return typeof b === 'number' && b > 0 ? b : DEFAULT_BANDWIDTH_MBPS;
}

export interface BtrPlaceExportOptions {
  /** The BtrPlace model the plan starts from (e.g. the imported file's `model`); built from the instance otherwise. */
  origin?: BtrPlaceModel;
  /** Duration model; `estimateMigrationSeconds` by default. */
  duration?: MigrationDuration;
}

export interface BtrPlaceExport {
  plan: BtrPlacePlan;
  warnings: string[];
}

/** Host attributes the importer derives itself, not carried back into a BtrPlace model's attributes. */
const DERIVED_HOST_ATTRIBUTES = new Set(['offline', 'bandwidth', 'switch', 'shutdownRequired']);
/** BtrPlace amounts are Java ints. */
const INT_MAX = 2 ** 31 - 1;

/** Shutdowns, once a host that must go off is empty for good. */
function shutdowns(instance: InstanceDoc, occupied: Set<string>, lastTouch: Map<string, number>, nodeId: Map<string, number>, warnings: string[]): BtrPlaceAction[] {
  const actions: BtrPlaceAction[] = [];
  const stillUsed: string[] = [];
  for (const h of instance.hosts) {
    if (h.attributes?.['shutdownRequired'] !== true || h.attributes?.['offline'] === true) continue;
    if (occupied.has(h.name)) { stillUsed.push(h.name); continue; }
    const start = lastTouch.get(h.name) ?? 0;
    actions.push({ id: 'shutdownNode', node: nodeId.get(h.name)!, start, end: start + wholeSeconds(h.attributes?.['shutdown'], 1) });
  }
  if (stillUsed.length) warnings.push(`${stillUsed.length} hosts must be shut down but still run VMs after the plan: no shutdownNode action for them (${listSome(stillUsed)})`);
  return actions;
}

/** Whole seconds, at least 1, from an attribute that may be missing. */
const wholeSeconds = (x: unknown, fallback: number) => Math.max(1, Math.ceil(typeof x === 'number' && Number.isFinite(x) ? x : fallback));

/** Migrations naming a VM or host the instance does not have. */
function unknownNames(plan: { waves: Wave[] }, hosts: Map<string, HostDoc>, vms: Map<string, unknown>): InputIssue[] {
  const issues: InputIssue[] = [];
  plan.waves.forEach((w, i) => w.migrations.forEach((m, j) => {
    if (!vms.has(m.vm)) issues.push({ path: pointer('waves', i, 'migrations', j, 'vm'), message: `unknown VM ${m.vm}` });
    for (const end of ['from', 'to'] as const) {
      const host = m[end];
      if (host !== null && !hosts.has(host)) issues.push({ path: pointer('waves', i, 'migrations', j, end), message: `unknown host ${m[end]}` });
    }
  }));
  return issues;
}

export function exportBtrPlace(instance: InstanceDoc, plan: { waves: Wave[] }, options: BtrPlaceExportOptions = {}): BtrPlaceExport {
  const warnings: string[] = [];
  const duration = options.duration ?? estimateMigrationSeconds;
  const nodeId = assignIds(instance.hosts.map((h) => h.name), 'node', warnings);
  const vmId = assignIds(instance.vms.map((v) => v.name), 'vm', warnings);
  const hosts = new Map(instance.hosts.map((h) => [h.name, h]));
  const vms = new Map(instance.vms.map((v) => [v.name, v]));

  const issues = unknownNames(plan, hosts, vms);
  if (issues.length) throw new InputError('plan', issues);

  const isOffline = (h: HostDoc) => h.attributes?.['offline'] === true;
  const seconds = wholeSeconds;
  const actions: BtrPlaceAction[] = [];

  // Boot phase: every offline host that receives a VM, all at once.
  const toBoot = new Set<string>();
  for (const w of plan.waves) for (const m of w.migrations) if (m.to !== null && isOffline(hosts.get(m.to)!)) toBoot.add(m.to);
  let t = 0;
  for (const name of instance.hosts.map((h) => h.name).filter((n) => toBoot.has(n))) {
    const end = seconds(hosts.get(name)!.attributes?.['boot'], 1);
    actions.push({ id: 'bootNode', node: nodeId.get(name)!, start: 0, end });
    t = Math.max(t, end);
  }

  const lastTouch = new Map<string, number>();
  const where = new Map(Object.entries(instance.placement));
  const migrations = plan.waves.flatMap((w) => w.migrations);
  const disruptive = hasDisruptiveActions(plan.waves);
  if (disruptive) warnings.push('cold moves and shelving become shutdownVM/bootVM pairs: BtrPlace models neither the copy of a cold move nor the image a shelved VM is kept in');
  const scheduled = !disruptive && !options.duration && migrations.length > 0
    && migrations.every((m) => typeof m.estimatedStart === 'number' && typeof m.estimatedSeconds === 'number');
  if (scheduled) {
    // The plan's own dependency-based schedule (pre-copy durations, verified graph). Rounding
    // both ends up keeps every migration after the ones it waits for.
    const bootEnd = t;
    const ends: number[] = [];
    for (const m of migrations.filter(isTransfer)) {
      // Whole seconds; a migration also starts no earlier than the ones it waits for end.
      const start = Math.max(bootEnd + Math.ceil(m.estimatedStart! - 1e-9), ...(m.after ?? []).map((i) => ends[i] ?? 0));
      const end = Math.max(start + 1, bootEnd + Math.ceil(m.estimatedStart! + m.estimatedSeconds! - 1e-9));
      ends.push(end);
      actions.push({ id: 'migrateVM', vm: vmId.get(m.vm)!, from: nodeId.get(m.from)!, to: nodeId.get(m.to)!, start, end });
      for (const h of [m.from, m.to]) lastTouch.set(h, Math.max(lastTouch.get(h) ?? 0, end));
      where.set(m.vm, m.to);
    }
  }
  // Otherwise waves, one after another.
  if (!scheduled) actions.push(...waveActions(plan.waves, { t, duration, vms, hosts, vmId, nodeId, lastTouch, where }));

  actions.push(...shutdowns(instance, new Set(where.values()), lastTouch, nodeId, warnings));

  const origin = options.origin ?? originFromInstance(instance, nodeId, vmId, warnings);
  return { plan: { origin, actions }, warnings };
}

interface WaveContext {
  t: number;
  duration: MigrationDuration;
  vms: Map<string, VmDoc>;
  hosts: Map<string, HostDoc>;
  vmId: Map<string, number>;
  nodeId: Map<string, number>;
  /** Updated: when each host is last touched, and where each VM ends (absent: shelved). */
  lastTouch: Map<string, number>;
  where: Map<string, string>;
}

/** The waves one after another from c.t, each as long as its longest migration. */
function waveActions(waves: readonly Wave[], c: WaveContext): BtrPlaceAction[] {
  const actions: BtrPlaceAction[] = [];
  let t = c.t;
  for (const w of waves) {
    let waveEnd = t;
    for (const m of w.migrations) {
      const from = m.from ?? m.to!;
      const end = t + Math.max(m.action === 'cold' ? 2 : 1, wholeSeconds(c.duration(c.vms.get(m.vm)!, c.hosts.get(from)!, c.hosts.get(m.to ?? from)!), 1));
      actions.push(...btrPlaceActions(m, c.vmId.get(m.vm)!, c.nodeId, t, end));
      for (const h of [m.from, m.to]) if (h !== null) c.lastTouch.set(h, Math.max(c.lastTouch.get(h) ?? 0, end));
      if (m.to === null) c.where.delete(m.vm);
      else c.where.set(m.vm, m.to);
      waveEnd = Math.max(waveEnd, end);
    }
    t = waveEnd;
  }
  return actions;
}

/** The BtrPlace actions of one migration from start to end (end - start >= 2 for a cold move). */
function btrPlaceActions(m: Migration, vm: number, nodeId: Map<string, number>, start: number, end: number): BtrPlaceAction[] {
  if (m.action === 'shelve') return [{ id: 'shutdownVM', vm, on: nodeId.get(m.from)!, start, end }];
  if (m.action === 'unshelve') return [{ id: 'bootVM', vm, on: nodeId.get(m.to)!, start, end }];
  if (m.action !== 'cold') return [{ id: 'migrateVM', vm, from: nodeId.get(m.from)!, to: nodeId.get(m.to)!, start, end }];
  const half = start + Math.floor((end - start) / 2);
  return [{ id: 'shutdownVM', vm, on: nodeId.get(m.from)!, start, end: half }, { id: 'bootVM', vm, on: nodeId.get(m.to)!, start: half, end }];
}

/** Names -> BtrPlace ids: recovered from `<kind>-<id>`, fresh ones for other names. */
function assignIds(names: string[], kind: 'node' | 'vm', warnings: string[]): Map<string, number> {
  const ids = new Map<string, number>();
  const used = new Set<number>();
  const others: string[] = [];
  for (const name of names) {
    const id = idFromName(name, kind);
    if (id === undefined || used.has(id)) others.push(name);
    else { ids.set(name, id); used.add(id); }
  }
  let next = used.size ? Math.max(...used) + 1 : 0;
  for (const name of others) ids.set(name, next++);
  if (others.length) {
    warnings.push(`${others.length} ${kind === 'node' ? 'host' : 'VM'} names are not ${kind}-<id>: given fresh ids (${listSome(others.map((n) => `${n} = ${ids.get(n)}`))})`);
  }
  return ids;
}

/** A minimal BtrPlace model of the instance's placement: mapping, attributes, mem and cpu views. */
function originFromInstance(instance: InstanceDoc, nodeId: Map<string, number>, vmId: Map<string, number>, warnings: string[]): BtrPlaceModel {
  const onlineNodes: BtrPlaceModel['mapping']['onlineNodes'] = {};
  const offlineNodes: number[] = [];
  for (const h of instance.hosts) {
    if (h.attributes?.['offline'] === true) offlineNodes.push(nodeId.get(h.name)!);
    else onlineNodes[String(nodeId.get(h.name)!)] = { runningVMs: [], sleepingVMs: [] };
  }
  for (const v of instance.vms) {
    const at = instance.placement[v.name]!;
    const entry = onlineNodes[String(nodeId.get(at)!)];
    if (entry) entry.runningVMs!.push(vmId.get(v.name)!);
    else warnings.push(`${v.name} is placed on ${at}, which is marked offline: left out of the origin's mapping`);
  }
  const nodes: Record<string, Record<string, unknown>> = {};
  for (const h of instance.hosts) {
    const attrs = primitives(h.attributes, DERIVED_HOST_ATTRIBUTES);
    if (Object.keys(attrs).length) nodes[String(nodeId.get(h.name)!)] = attrs;
  }
  const vmAttrs: Record<string, Record<string, unknown>> = {};
  for (const v of instance.vms) {
    const attrs = primitives(v.attributes, new Set());
    if (Object.keys(attrs).length) vmAttrs[String(vmId.get(v.name)!)] = attrs;
  }

  const views: BtrPlaceView[] = [];
  const rounded: string[] = [];
  const unlimited: string[] = [];
  for (const [resource, rcId, factor] of [['ram', 'mem', MIB_PER_GB], ['cpu', 'cpu', 1]] as const) {
    if (!instance.hosts.some((h) => h.capacity?.[resource] !== undefined) && !instance.vms.some((v) => v.demand?.[resource] !== undefined)) continue;
    const toInt = (x: number, what: string) => {
      const n = x / factor;
      if (!Number.isInteger(n)) rounded.push(what);
      return Math.min(INT_MAX, Math.ceil(n));
    };
    const caps: Record<string, number> = {};
    for (const h of instance.hosts) {
      const c = h.capacity?.[resource];
      if (c === undefined || !Number.isFinite(c)) { unlimited.push(`${h.name} (${resource})`); caps[String(nodeId.get(h.name)!)] = INT_MAX; }
      else caps[String(nodeId.get(h.name)!)] = toInt(c, `${h.name} ${resource}`);
    }
    const uses: Record<string, number> = {};
    for (const v of instance.vms) uses[String(vmId.get(v.name)!)] = toInt(v.demand?.[resource] ?? 0, `${v.name} ${resource}`);
    views.push({ id: 'shareableResource', rcId, defCapacity: 0, defConsumption: 0, nodes: caps, vms: uses });
  }
  const resources = new Set([...instance.hosts.flatMap((h) => Object.keys(h.capacity ?? {})), ...instance.vms.flatMap((v) => Object.keys(v.demand ?? {}))]);
  const dropped = [...resources].filter((r) => r !== 'ram' && r !== 'cpu' && !r.startsWith('x-'));
  if (dropped.length) warnings.push(`origin: resources ${dropped.join(', ')} not exported (only ram -> mem and cpu)`);
  if (rounded.length) warnings.push(`origin: ${rounded.length} amounts are not whole GB or cores: rounded up (${listSome(rounded)})`);
  if (unlimited.length) warnings.push(`origin: ${unlimited.length} host capacities are unlimited in shunt: exported as ${INT_MAX} (${listSome(unlimited)})`);
  warnings.push('origin built from the shunt instance: no net view and no constraints (host bandwidths only shape the durations)');
  return { mapping: { onlineNodes, offlineNodes, readyVMs: [] }, attributes: { nodes, vms: vmAttrs }, views };
}

function primitives(attrs: Record<string, unknown> | undefined, skip: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (skip.has(k)) continue;
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}
