/**
 * Tiny instances: 2-5 hosts, 2-9 VMs, RAM and sometimes CPU, reserved amounts and
 * allocation ratios, random placement and target (both valid, else redrawn), limit
 * variants, sometimes anti-affinity groups or the migration-count cost. Host sizes
 * follow the total demand with 5-60 % slack, so that many draws are tight.
 */
import type { HostDoc, InstanceDoc, PolicyDoc, VmDoc } from '../../../src/model/instance.js';
import { docProblems } from '../instance.js';
import type { Random } from '../random.js';
import { drawHostLimits, drawLimits } from './limits.js';
import type { Draft } from './draft.js';

const RAM_SIZES = [512, 1024, 2048, 3072, 4096, 6144, 8192];
const DRAWS = 200;

interface Shape { hosts: HostDoc[]; vms: VmDoc[]; policy: PolicyDoc; label: string[] }

function drawVms(rng: Random, count: number, cpu: boolean, groups: boolean): VmDoc[] {
  return Array.from({ length: count }, (_, i) => {
    const vm: VmDoc = { name: `vm-${i + 1}`, demand: { ram: rng.pick(RAM_SIZES) } };
    if (cpu) vm.demand!['cpu'] = rng.pick([1, 1, 2, 4]);
    if (groups && rng.chance(0.6)) vm.group = rng.pick(['g1', 'g2']);
    return vm;
  });
}

function drawHosts(rng: Random, count: number, vms: VmDoc[], cpu: boolean): HostDoc[] {
  const ram = vms.reduce((s, v) => s + v.demand!['ram']!, 0);
  const cpus = vms.reduce((s, v) => s + (v.demand!['cpu'] ?? 0), 0);
  const slack = 1.05 + 0.55 * rng.float();
  const weights = Array.from({ length: count }, () => 0.5 + rng.float());
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w, i) => {
    const host: HostDoc = { name: `host-${i + 1}`, capacity: {} };
    const reservedRam = rng.pick([0, 0, 256, 512]);
    host.capacity!['ram'] = Math.max(512, Math.round((ram * slack * w) / total / 256) * 256) + reservedRam;
    if (reservedRam) host.reserved = { ram: reservedRam };
    if (cpu) {
      const ratio = rng.pick([1, 2, 4]);
      const reservedCpu = rng.pick([0, 0, 1]);
      host.capacity!['cpu'] = Math.max(1, Math.ceil((cpus * slack * w) / total / ratio)) + reservedCpu;
      if (ratio !== 1) host.allocationRatio = { cpu: ratio };
      if (reservedCpu) host.reserved = { ...host.reserved, cpu: reservedCpu };
    }
    return host;
  });
}

function drawShape(rng: Random): Shape {
  const cpu = rng.chance(0.4);
  const groups = rng.chance(0.2);
  const vms = drawVms(rng, rng.int(2, 9), cpu, groups);
  const hosts = drawHosts(rng, rng.int(2, 5), vms, cpu);
  const policy: PolicyDoc = {};
  const label = [`${hosts.length}h/${vms.length}v`, cpu ? 'ram+cpu' : 'ram'];
  if (groups) { policy.rules = ['anti-affinity']; label.push('anti-affinity'); }
  if (rng.chance(0.15)) { policy.cost = 'count'; label.push('cost=count'); }
  return { hosts, vms, policy, label };
}

/**
 * A valid random assignment of the VMs to the hosts, or undefined after some tries. With
 * a base (the placement), each VM is redrawn with probability moveShare, and at least one
 * must differ.
 */
function drawAssignment(rng: Random, doc: InstanceDoc, moveShare: number, base?: Record<string, string>): Record<string, string> | undefined {
  for (let t = 0; t < 50; t++) {
    const where: Record<string, string> = {};
    for (const vm of doc.vms) {
      where[vm.name] = base && !rng.chance(moveShare) ? base[vm.name]! : rng.pick(doc.hosts).name;
    }
    // A target must ask for at least one migration.
    if (base && doc.vms.every((vm) => where[vm.name] === base[vm.name])) continue;
    const draft = base ? { ...doc, target: where } : { ...doc, placement: where, target: {} };
    if (docProblems(draft).length === 0) return where;
  }
  return undefined;
}

/** Hosts and VMs of a tiny instance with valid placement and target (names host-N, vm-N). */
export function drawTinyDoc(rng: Random): { doc: InstanceDoc; label: string[] } {
  for (let draw = 0; draw < DRAWS; draw++) {
    const shape = drawShape(rng);
    const doc: InstanceDoc = { hosts: shape.hosts, vms: shape.vms, placement: {}, target: {} };
    if (Object.keys(shape.policy).length) doc.policy = shape.policy;
    const placement = drawAssignment(rng, doc, 1);
    if (!placement) continue;
    doc.placement = placement;
    const target = drawAssignment(rng, doc, 0.3 + 0.7 * rng.float(), placement);
    if (!target) continue;
    doc.target = Object.fromEntries(Object.entries(target).filter(([vm, host]) => placement[vm] !== host));
    const { limits, label } = drawLimits(rng);
    if (limits) doc.limits = limits;
    const perHost = drawHostLimits(rng, doc.hosts, 0.3);
    return { doc, label: [...shape.label, label, ...(perHost ? ['host limits'] : [])] };
  }
  throw new Error(`tiny generator: no valid instance in ${DRAWS} draws`);
}

export async function tiny(rng: Random): Promise<Draft> {
  const { doc, label } = drawTinyDoc(rng);
  return { shape: label.join(' '), doc, timeLimit: 2, known: {} };
}
