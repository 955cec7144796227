/**
 * A directory of Nova and Placement API responses -> a shunt instance. What cannot be
 * translated comes back as warnings; bad or inconsistent responses throw InputError naming
 * the file and the JSON path.
 */
import type { InstanceDoc, PluginRef } from '../../model/instance.js';
import { InputError, type InputIssue } from '../../io/errors.js';
import { readCloudDir, type CloudData } from './read-dir.js';
import { buildHosts, type Hosts } from './hosts.js';
import { buildVms, type VmSet } from './vms.js';
import { applyServerGroups } from './groups.js';
import { resourceOf } from './resources.js';

export interface OpenStackImport {
  instance: InstanceDoc;
  warnings: string[];
}

/** A target host must take the VM's demand in units Placement accepts (min_unit, max_unit, step_size). */
function unitIssue(hosts: Hosts, host: string, demand: Record<string, number>): string | undefined {
  for (const [rc, r] of hosts.byName.get(host)!.inventory) {
    const n = demand[resourceOf(rc)] ?? 0;
    if (n === 0) continue;
    if (n > r.maxUnit) return `${n} ${rc} exceeds max_unit ${r.maxUnit} of ${host}`;
    if (n < r.minUnit) return `${n} ${rc} is below min_unit ${r.minUnit} of ${host}`;
    if (n % r.stepSize !== 0) return `${n} ${rc} is no multiple of step_size ${r.stepSize} of ${host}`;
  }
  return undefined;
}

function buildTarget(data: CloudData, hosts: Hosts, vms: VmSet): Record<string, string> | undefined {
  if (!data.target) return undefined;
  const target: Record<string, string> = {};
  const issues: InputIssue[] = [];
  const demand = new Map(vms.vms.map((v) => [v.name, v.demand ?? {}]));
  for (const [id, at] of data.target) {
    const host = at.value as string;
    const problem = !demand.has(id) ? (vms.omitted.has(id) ? `server ${id} is not in the instance: ${vms.omitted.get(id)}` : `no server ${id} in the servers listing`)
      : !hosts.byName.has(host) ? `no compute host ${JSON.stringify(host)}`
        : host !== vms.placement[id] && vms.pinned.has(id) ? `server ${id} cannot move: ${vms.pinned.get(id)}`
          : host !== vms.placement[id] ? unitIssue(hosts, host, demand.get(id)!) : undefined;
    if (problem) issues.push({ path: at.path, message: problem });
    else target[id] = host;
  }
  if (issues.length) throw new InputError(data.target.values().next().value!.file, issues);
  return target;
}

/** Hosts whose units can refuse some VM: the others need no pairwise check. */
function restrictiveHosts(hosts: Hosts, vms: VmSet): string[] {
  const high = new Map<string, number>();
  const low = new Map<string, number>();
  for (const vm of vms.vms) {
    for (const [r, n] of Object.entries(vm.demand ?? {})) {
      if (n <= 0) continue;
      high.set(r, Math.max(high.get(r) ?? 0, n));
      low.set(r, Math.min(low.get(r) ?? Infinity, n));
    }
  }
  return [...hosts.byName.values()].filter((h) => [...h.inventory].some(([rc, r]) => {
    const name = resourceOf(rc);
    return high.has(name) && (r.stepSize > 1 || r.maxUnit < high.get(name)! || r.minUnit > low.get(name)!);
  })).map((h) => h.doc.name);
}

/** (VM, host) pairs Placement would refuse for max_unit/min_unit/step_size: shunt's rules do not know these limits. */
function unitWarnings(hosts: Hosts, vms: VmSet, warn: (m: string) => void): void {
  let pairs = 0;
  const examples: string[] = [];
  const restrictive = restrictiveHosts(hosts, vms);
  for (const vm of vms.vms) {
    if (vms.pinned.has(vm.name)) continue;
    for (const host of restrictive) {
      const issue = host === vms.placement[vm.name] ? undefined : unitIssue(hosts, host, vm.demand ?? {});
      if (issue) { pairs++; if (examples.length < 3) examples.push(`${vm.name}: ${issue}`); }
    }
  }
  if (pairs) warn(`${pairs} (server, host) pair(s) break Placement's max_unit, min_unit or step_size, which shunt does not enforce on temporary moves; the target is checked (${examples.join('; ')})`);
}

function policyRules(data: CloudData, hosts: Hosts, vms: VmSet, warn: (m: string) => void): PluginRef[] {
  const rules = applyServerGroups(data.groups ?? [], vms, warn);
  if (vms.pinned.size) rules.push({ name: 'pin', options: { vms: [...vms.pinned.keys()] } });
  const zones = new Set([...hosts.byName.values()].map((h) => h.doc.zone ?? ''));
  if (zones.size > 1) {
    rules.push('zone');
    warn(`${zones.size} availability zones: rule zone keeps every server in its host's zone (Nova keeps a server in a zone it was booted into by request; the API before 2.96 does not say which servers asked)`);
  }
  return rules;
}

export function importOpenStack(dir: string): OpenStackImport {
  const warnings: string[] = [];
  const warn = (m: string) => { warnings.push(m); };
  const data = readCloudDir(dir);
  const hosts = buildHosts(data, warn);
  const vms = buildVms(data, hosts, warn);
  for (const [id, reason] of vms.pinned) if (vms.servers.has(id)) warn(`server ${id} pinned to ${vms.placement[id]}: ${reason}`);
  for (const [id, reason] of vms.omitted) warn(`server ${id} left out: ${reason}`);
  const disabled = [...hosts.byName.values()].filter((h) => h.doc.disabled).map((h) => h.doc.name);
  if (disabled.length) warn(`${disabled.length} disabled or down host(s) receive nothing: ${disabled.join(', ')}`);
  const rules = policyRules(data, hosts, vms, warn);
  const target = buildTarget(data, hosts, vms);
  unitWarnings(hosts, vms, warn);
  const instance: InstanceDoc = {
    hosts: [...hosts.byName.values()].map((h) => h.doc),
    vms: vms.vms,
    placement: vms.placement,
    ...(target ? { target } : {}),
    ...(rules.length ? { policy: { rules } } : {}),
  };
  return { instance, warnings };
}
