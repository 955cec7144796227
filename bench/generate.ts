/**
 * Seeded generator of near-capacity clouds for benchmarks and tests.
 *
 * The placement fills every host to about `fill` of its usable RAM with VMs drawn
 * from a mix of realistic flavours (every other resource stays within its usable
 * amount). The target moves a `retarget` fraction of the VMs, chosen at random,
 * each to a random other host where it fits in every resource. Both states are
 * valid by construction; the same options always give the same document.
 */
import type { HostDoc, InstanceDoc, LimitsDoc, PolicyDoc, ResourceMap, VmDoc } from '../src/model/instance.js';
import { mulberry32 } from '../src/util/random.js';

/** A VM size: its demand and how often it is drawn (weights need not sum to 1). */
export interface Flavour {
  name: string;
  demand: ResourceMap;
  weight: number;
}

export interface CloudOptions {
  hosts: number;
  seed: number;
  /** Fraction of each host's usable RAM the placement fills (about). Default 0.85. */
  fill?: number;
  /** Each host's fill is drawn uniformly in fill ± fillJitter (capped at 1). Default 0.03. */
  fillJitter?: number;
  /** Fraction of the VMs given another host in the target. Default 0.4. */
  retarget?: number;
  /** Raw capacity of every host. Default: the preset's (262144 MiB RAM, 64 vCPUs, 3000 GB disk). */
  capacity?: ResourceMap;
  /** Allocation ratios of every host. Default { cpu: 4 }. */
  allocationRatio?: ResourceMap;
  /** Reserved amounts on every host. Default none. */
  reserved?: ResourceMap;
  /** Flavour mix. Default: the preset's. */
  flavours?: Flavour[];
  /**
   * Test-friendly preset: 32 GiB / 8-vCPU / 400 GB hosts and 2-8 GiB flavours,
   * about five VMs per host, so a handful of hosts stays small enough for the
   * exhaustive search.
   */
  small?: boolean;
  /** Instance limits. Default none (1 outgoing and 1 incoming per host, no wave limit). */
  limits?: LimitsDoc;
  policy?: PolicyDoc;
  /** Number of zones, hosts assigned round-robin (zone-1 ...). Default none. */
  zones?: number;
}

const GiB = 1024;

/** A general-purpose cloud mix: RAM 2-32 GiB, about 15 GiB per draw (placed VMs average less, as small ones top hosts up), some CPU-, RAM- and disk-heavy sizes. */
export const DEFAULT_FLAVOURS: readonly Flavour[] = [
  { name: 'm1.small', demand: { ram: 2 * GiB, cpu: 1, disk: 20 }, weight: 10 },
  { name: 'm1.medium', demand: { ram: 4 * GiB, cpu: 2, disk: 40 }, weight: 10 },
  { name: 'c1.medium', demand: { ram: 4 * GiB, cpu: 4, disk: 40 }, weight: 3 },
  { name: 'm1.large', demand: { ram: 8 * GiB, cpu: 4, disk: 80 }, weight: 16 },
  { name: 'c1.large', demand: { ram: 8 * GiB, cpu: 8, disk: 80 }, weight: 5 },
  { name: 'd1.large', demand: { ram: 8 * GiB, cpu: 2, disk: 400 }, weight: 3 },
  { name: 'm1.xlarge', demand: { ram: 16 * GiB, cpu: 8, disk: 160 }, weight: 22 },
  { name: 'r1.xlarge', demand: { ram: 16 * GiB, cpu: 4, disk: 160 }, weight: 5 },
  { name: 'm1.2xlarge', demand: { ram: 32 * GiB, cpu: 16, disk: 320 }, weight: 20 },
  { name: 'r1.2xlarge', demand: { ram: 32 * GiB, cpu: 8, disk: 160 }, weight: 6 },
];

export const DEFAULT_CAPACITY: Readonly<ResourceMap> = { ram: 256 * GiB, cpu: 64, disk: 3000 };

export const SMALL_FLAVOURS: readonly Flavour[] = [
  { name: 'm1.small', demand: { ram: 2 * GiB, cpu: 1, disk: 20 }, weight: 3 },
  { name: 'm1.medium', demand: { ram: 4 * GiB, cpu: 2, disk: 40 }, weight: 4 },
  { name: 'm1.large', demand: { ram: 8 * GiB, cpu: 4, disk: 80 }, weight: 3 },
];

export const SMALL_CAPACITY: Readonly<ResourceMap> = { ram: 32 * GiB, cpu: 8, disk: 400 };

export { mulberry32 };

/** The resources with a capacity (RAM first), their usable amounts, and the flavours' demands on them. */
interface Layout {
  resources: string[];
  R: number;
  ramIndex: number;
  usable: number[];
  flavourDemand: number[][];
}

function checkCloudOptions(H: number, fill: number, retarget: number): void {
  if (!Number.isInteger(H) || H < 1) throw new Error(`generateCloud: hosts must be a positive integer, got ${H}`);
  if (!(fill > 0 && fill <= 1)) throw new Error(`generateCloud: fill must be in (0, 1], got ${fill}`);
  if (!(retarget >= 0 && retarget <= 1)) throw new Error(`generateCloud: retarget must be in [0, 1], got ${retarget}`);
}

function layoutOf(capacity: ResourceMap, reserved: ResourceMap, allocationRatio: ResourceMap, flavours: readonly Flavour[]): Layout {
  // Resources with a capacity, RAM first. A flavour's other resources are unlimited
  // on every host (the instance format's rule), so they never constrain anything here.
  const resources = Object.keys(capacity).sort((a, b) => (a === 'ram' ? -1 : b === 'ram' ? 1 : a.localeCompare(b)));
  const ramIndex = resources.indexOf('ram');
  if (ramIndex < 0) throw new Error('generateCloud: the capacity must include ram');
  const usable = resources.map((r) => Math.max(0, capacity[r]! - (reserved[r] ?? 0)) * (allocationRatio[r] ?? 1));
  const flavourDemand = flavours.map((f) => resources.map((r) => f.demand[r] ?? 0));
  return { resources, R: resources.length, ramIndex, usable, flavourDemand };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function hostDocsOf(H: number, capacity: ResourceMap, reserved: ResourceMap, allocationRatio: ResourceMap, zones: number | undefined): HostDoc[] {
  const hostWidth = String(H).length;
  const hostDocs: HostDoc[] = [];
  for (let h = 0; h < H; h++) {
    const doc: HostDoc = { name: `host-${pad(h + 1, hostWidth)}`, capacity: { ...capacity } };
    if (Object.keys(allocationRatio).length) doc.allocationRatio = { ...allocationRatio };
    if (Object.keys(reserved).length) doc.reserved = { ...reserved };
    if (zones && zones > 0) doc.zone = `zone-${(h % zones) + 1}`;
    hostDocs.push(doc);
  }
  return hostDocs;
}

/** Draws a flavour index by weight. */
function flavourDrawer(flavours: readonly Flavour[], random: () => number): () => number {
  const totalWeight = flavours.reduce((s, f) => s + f.weight, 0);
  return () => {
    let x = random() * totalWeight;
    for (let i = 0; i < flavours.length; i++) {
      x -= flavours[i]!.weight;
      if (x < 0) return i;
    }
    return flavours.length - 1;
  };
}

/** Placement: fills each host up to its share of RAM, other resources within usable. Returns each VM's flavour and host. */
function fillHosts(H: number, layout: Layout, fill: number, fillJitter: number, random: () => number, drawFlavour: () => number) {
  const { R, ramIndex, usable, flavourDemand } = layout;
  const smallestRam = Math.min(...flavourDemand.map((d) => d[ramIndex]!));
  const vmFlavour: number[] = [];
  const vmHome: number[] = [];
  for (let h = 0; h < H; h++) {
    const share = Math.min(1, fill + (2 * random() - 1) * fillJitter);
    const ramGoal = usable[ramIndex]! * share;
    const load = new Array<number>(R).fill(0);
    let misses = 0;
    while (misses < 20 && ramGoal - load[ramIndex]! >= smallestRam) {
      const f = drawFlavour();
      const d = flavourDemand[f]!;
      let fits = load[ramIndex]! + d[ramIndex]! <= ramGoal;
      for (let r = 0; fits && r < R; r++) if (load[r]! + d[r]! > usable[r]!) fits = false;
      if (!fits) { misses++; continue; }
      for (let r = 0; r < R; r++) load[r]! += d[r]!;
      vmFlavour.push(f);
      vmHome.push(h);
      misses = 0;
    }
  }
  return { vmFlavour, vmHome };
}

/**
 * Target: a random `retarget` fraction of the VMs (partial Fisher-Yates, so also
 * in random order) each goes to a random other host where it fits. Until a chosen
 * VM is handled, its room stays reserved at home, so that a VM no host takes can
 * always stay where it is and the target remains valid. Returns each VM's target host.
 */
function drawTarget(H: number, layout: Layout, vmFlavour: number[], vmHome: number[], retarget: number, randInt: (n: number) => number): Int32Array {
  const { R, usable, flavourDemand } = layout;
  const V = vmFlavour.length;
  const to = Int32Array.from(vmHome);
  const load = new Float64Array(H * R);
  for (let v = 0; v < V; v++) {
    const d = flavourDemand[vmFlavour[v]!]!;
    for (let r = 0; r < R; r++) load[vmHome[v]! * R + r]! += d[r]!;
  }
  const order = Array.from({ length: V }, (_, i) => i);
  const chosen = Math.round(retarget * V);
  for (let i = 0; i < chosen; i++) {
    const j = i + randInt(V - i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const fits = (d: number[], h: number) => {
    for (let r = 0; r < R; r++) if (load[h * R + r]! + d[r]! > usable[r]!) return false;
    return true;
  };
  for (let i = 0; i < chosen && H > 1; i++) {
    const v = order[i]!;
    const home = vmHome[v]!;
    const d = flavourDemand[vmFlavour[v]!]!;
    for (let r = 0; r < R; r++) load[home * R + r]! -= d[r]!;
    const dest = destinationFor(d, home, H, fits, randInt);
    to[v] = dest;
    for (let r = 0; r < R; r++) load[dest * R + r]! += d[r]!;
  }
  return to;
}

/** A few random draws, then a scan from a random start, so that the choice stays random; home when nothing fits. */
function destinationFor(d: number[], home: number, H: number, fits: (d: number[], h: number) => boolean, randInt: (n: number) => number): number {
  let dest = -1;
  for (let k = 0; k < 32 && dest < 0; k++) {
    const h = (home + 1 + randInt(H - 1)) % H;
    if (fits(d, h)) dest = h;
  }
  // The scan's start is drawn even when a draw found a host: the seeded sequence depends on it.
  const start = randInt(H);
  for (let k = 0; k < H && dest < 0; k++) {
    const h = (start + k) % H;
    if (h !== home && fits(d, h)) dest = h;
  }
  return dest < 0 ? home : dest;
}

export function generateCloud(options: CloudOptions): InstanceDoc {
  const {
    hosts: H, seed, fill = 0.85, fillJitter = 0.03, retarget = 0.4, small = false,
  } = options;
  checkCloudOptions(H, fill, retarget);
  const capacity = options.capacity ?? (small ? SMALL_CAPACITY : DEFAULT_CAPACITY);
  const allocationRatio = options.allocationRatio ?? { cpu: 4 };
  const reserved = options.reserved ?? {};
  const flavours = options.flavours ?? (small ? SMALL_FLAVOURS : DEFAULT_FLAVOURS);
  if (flavours.length === 0) throw new Error('generateCloud: no flavours');

  const random = mulberry32(seed);
  const randInt = (n: number) => Math.floor(random() * n);
  const layout = layoutOf(capacity, reserved, allocationRatio, flavours);
  const hostDocs = hostDocsOf(H, capacity, reserved, allocationRatio, options.zones);
  const { vmFlavour, vmHome } = fillHosts(H, layout, fill, fillJitter, random, flavourDrawer(flavours, random));
  const V = vmFlavour.length;
  const vmWidth = String(V).length;
  const vmDocs: VmDoc[] = vmFlavour.map((f, v) => ({
    name: `vm-${pad(v + 1, vmWidth)}`,
    demand: { ...flavours[f]!.demand },
    attributes: { flavour: flavours[f]!.name },
  }));
  const to = drawTarget(H, layout, vmFlavour, vmHome, retarget, randInt);

  const placement: Record<string, string> = {};
  const target: Record<string, string> = {};
  for (let v = 0; v < V; v++) {
    const name = vmDocs[v]!.name;
    placement[name] = hostDocs[vmHome[v]!]!.name;
    if (to[v] !== vmHome[v]) target[name] = hostDocs[to[v]!]!.name;
  }

  const doc: InstanceDoc & Record<string, unknown> = {
    'x-generator': { generator: 'shunt bench/generate.ts', hosts: H, seed, fill, fillJitter, retarget, small },
    hosts: hostDocs,
    vms: vmDocs,
    placement,
    target,
  };
  if (options.limits) doc.limits = { ...options.limits };
  if (options.policy) doc.policy = options.policy;
  return doc;
}

/** VMs whose target differs from their placement. */
export function requiredMoves(doc: InstanceDoc): number {
  let n = 0;
  for (const [vm, host] of Object.entries(doc.target ?? {})) if (doc.placement[vm] !== host) n++;
  return n;
}

/**
 * Checks that the placement and the target keep every host within its usable
 * amount of every resource (independently of the planner's own checks).
 * Returns the problems found, empty when both states are valid.
 */
export function stateProblems(doc: InstanceDoc): string[] {
  const usableOf = (h: HostDoc, r: string) => {
    const c = h.capacity?.[r];
    if (c === undefined) return Infinity;
    return Math.max(0, c - (h.reserved?.[r] ?? 0)) * (h.allocationRatio?.[r] ?? 1);
  };
  const hosts = new Map(doc.hosts.map((h) => [h.name, h]));
  const problems: string[] = [];
  for (const [what, where] of [['placement', doc.placement], ['target', { ...doc.placement, ...(doc.target ?? {}) }]] as const) {
    const loads = new Map<string, Map<string, number>>();
    for (const vm of doc.vms) {
      const host = where[vm.name];
      if (host === undefined || !hosts.has(host)) { problems.push(`${what}: ${vm.name} is on unknown host ${host}`); continue; }
      let l = loads.get(host);
      if (!l) loads.set(host, (l = new Map()));
      for (const [r, amount] of Object.entries(vm.demand ?? {})) l.set(r, (l.get(r) ?? 0) + amount);
    }
    for (const [host, l] of loads) {
      for (const [r, amount] of l) {
        const max = usableOf(hosts.get(host)!, r);
        if (amount > max + 1e-9 * Math.max(1, max)) problems.push(`${what}: host ${host} ${r} ${amount} exceeds usable ${max}`);
      }
    }
  }
  return problems;
}
