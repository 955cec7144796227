/**
 * Overloaded starts: a tiny instance whose target satisfies every rule but whose placement
 * breaks capacity (or anti-affinity) on some hosts, in one of three ways real clouds get
 * there: a hotspot (VMs piled onto one host), a lowered allocation ratio or capacity (a host
 * now too small for what it runs, large enough for its target), and a failed host whose VMs
 * were restarted elsewhere without regard to capacity (the host itself is back, empty).
 */
import type { InstanceDoc } from '../../../src/model/instance.js';
import { docProblems } from '../instance.js';
import type { Random } from '../random.js';
import type { Draft } from './draft.js';
import { drawTinyDoc } from './tiny.js';

const DRAWS = 200;

type Variant = 'hotspot' | 'lowered' | 'failed';

/** The full target (every VM), from a document whose target lists only the VMs that move. */
const fullTarget = (doc: InstanceDoc) => ({ ...doc.placement, ...(doc.target ?? {}) });

/** The document with a new placement and the same full target. */
function withPlacement(doc: InstanceDoc, placement: Record<string, string>, target: Record<string, string>): InstanceDoc {
  const moving = Object.entries(target).filter(([vm, host]) => placement[vm] !== host);
  return { ...doc, placement, target: Object.fromEntries(moving) };
}

function hotspot(rng: Random, doc: InstanceDoc, target: Record<string, string>): InstanceDoc {
  const host = rng.pick(doc.hosts).name;
  const placement = { ...doc.placement };
  for (const vm of doc.vms) if (rng.chance(0.4)) placement[vm.name] = host;
  return withPlacement(doc, placement, target);
}

/** Lowers one host's RAM capacity to between its target load and its start load. */
function lowered(rng: Random, doc: InstanceDoc, target: Record<string, string>): InstanceDoc {
  const ramOn = (where: Record<string, string>, host: string) => doc.vms.filter((v) => where[v.name] === host).reduce((s, v) => s + v.demand!['ram']!, 0);
  const shrinking = doc.hosts.filter((h) => ramOn(target, h.name) < ramOn(doc.placement, h.name));
  if (!shrinking.length) return doc;
  const host = rng.pick(shrinking);
  const reserved = host.reserved?.['ram'] ?? 0;
  const low = ramOn(target, host.name);
  const high = ramOn(doc.placement, host.name);
  const capacity = reserved + low + Math.floor(rng.float() * (high - low - 1));
  const hosts = doc.hosts.map((h) => (h === host ? { ...h, capacity: { ...h.capacity, ram: capacity } } : h));
  return { ...doc, hosts };
}

/** One host's VMs restarted on random other hosts; the host is back and empty. */
function failed(rng: Random, doc: InstanceDoc, target: Record<string, string>): InstanceDoc {
  const down = rng.pick(doc.hosts).name;
  const others = doc.hosts.filter((h) => h.name !== down);
  const placement = { ...doc.placement };
  for (const vm of doc.vms) if (placement[vm.name] === down) placement[vm.name] = rng.pick(others).name;
  return withPlacement(doc, placement, target);
}

export async function overloaded(rng: Random): Promise<Draft> {
  for (let draw = 0; draw < DRAWS; draw++) {
    const { doc, label } = drawTinyDoc(rng);
    const variant = rng.pick<Variant>(['hotspot', 'lowered', 'failed']);
    const target = fullTarget(doc);
    const made = { hotspot, lowered, failed }[variant](rng, doc, target);
    const problems = docProblems(made);
    // The target must hold every rule; the placement must break one.
    if (problems.some((p) => p.startsWith('target')) || !problems.some((p) => p.startsWith('placement'))) continue;
    if (Object.keys(made.target ?? {}).length === 0) continue;
    const hosts = new Set(problems.filter((p) => p.startsWith('placement')).map((p) => /host (\S+)/.exec(p)?.[1]));
    return { shape: `${variant} (${hosts.size} overloaded) ${label.join(' ')}`, doc: made, timeLimit: 2, known: {} };
  }
  throw new Error(`overloaded generator: no instance in ${DRAWS} draws`);
}
