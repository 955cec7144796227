#!/usr/bin/env node
// Generates examples/cloud-20.json: a 20-host, two-zone cloud about 80 % full,
// with a target that drains one host for maintenance, swaps two large VMs
// between two near-full hosts, rotates three large VMs around three near-full
// hosts and rebalances a few more VMs. Deterministic: the same seed always
// writes the same file. Plain Node, no dependencies.
//
//   node examples/generate-cloud-20.mjs [--seed N] [--out FILE]
//
// The script checks its own output (capacity, zones, anti-affinity in both
// the placement and the target, RAM fill) and exits 1 if a check fails; with
// many seeds the drained host's VMs do not fit elsewhere in its zone. The
// default seed, 2, gives 127 VMs of which 32 move.

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const SEED = Number(option('--seed', '2'));
const OUT = option('--out', join(dirname(fileURLToPath(import.meta.url)), 'cloud-20.json'));

// mulberry32: a small, well-known 32-bit seeded generator.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(SEED);
const pick = (list) => list[Math.floor(random() * list.length)];
const uniform = (lo, hi) => lo + (hi - lo) * random();
function shuffle(list) {
  const a = list.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// ---------------------------------------------------------------- the cloud
const RESOURCES = ['ram', 'cpu', 'disk'];
const FLAVORS = {
  'm1.small': { ram: 2048, cpu: 1, disk: 20 },
  'm1.medium': { ram: 4096, cpu: 2, disk: 40 },
  'm1.large': { ram: 8192, cpu: 4, disk: 80 },
  'm1.xlarge': { ram: 16384, cpu: 8, disk: 160 },
};
// How often each flavour is booted (weights).
const POPULARITY = [['m1.small', 2], ['m1.medium', 4], ['m1.large', 4], ['m1.xlarge', 2]];
const HOST = { capacity: { ram: 49152, cpu: 16, disk: 900 }, reserved: { ram: 2048 }, allocationRatio: { cpu: 4.0 } };
const usable = Object.fromEntries(RESOURCES.map((r) =>
  [r, ((HOST.capacity[r] ?? 0) - (HOST.reserved[r] ?? 0)) * (HOST.allocationRatio[r] ?? 1)]));

const hosts = Array.from({ length: 20 }, (_, i) => ({
  name: `cmp${String(i + 1).padStart(2, '0')}`,
  zone: i < 10 ? 'az1' : 'az2',
  ...structuredClone(HOST),
}));
const zoneOf = Object.fromEntries(hosts.map((h) => [h.name, h.zone]));

// Anti-affinity groups (server groups): members never share a host.
const GROUPS = [
  { name: 'web', flavor: 'm1.medium', size: 5 },
  { name: 'db', flavor: 'm1.xlarge', size: 3 },
  { name: 'cache', flavor: 'm1.large', size: 4 },
  { name: 'mq', flavor: 'm1.small', size: 3 },
];

// Hosts with special roles in the target (all in their own zone's range).
const SWAP = ['cmp03', 'cmp07']; // az1: exchange one m1.large each
const CYCLE = ['cmp12', 'cmp15', 'cmp18']; // az2: rotate one m1.large each
const DRAIN = 'cmp20'; // az2: emptied for maintenance
// Members of these groups never move (policy-headroom.json pins them), so none runs on DRAIN.
const STAY_GROUPS = new Set(['web', 'db']);
// The target keeps every host that receives VMs at most this full in RAM, like a scheduler weigher would.
const TARGET_FILL = 0.93;
const NEAR_FULL = new Set([...SWAP, ...CYCLE]);

// ----------------------------------------------------------- the placement
const vms = [];
const placement = {};
const load = Object.fromEntries(hosts.map((h) => [h.name, { ram: 0, cpu: 0, disk: 0 }]));
const fits = (l, flavor, limit = usable) => RESOURCES.every((r) => l[r] + FLAVORS[flavor][r] <= limit[r]);
const add = (l, flavor, sign = 1) => { for (const r of RESOURCES) l[r] += sign * FLAVORS[flavor][r]; };
let serial = 0;
function boot(host, flavor, group) {
  const name = group ? `${group}-${vms.filter((v) => v.group === group).length + 1}` : `vm-${String(++serial).padStart(3, '0')}`;
  vms.push({ name, demand: { ...FLAVORS[flavor] }, ...(group ? { group } : {}), attributes: { flavor } });
  placement[name] = host;
  add(load[host], flavor);
}

for (const g of GROUPS) {
  const allowed = hosts.filter((h) => !(STAY_GROUPS.has(g.name) && h.name === DRAIN));
  for (const h of shuffle(allowed).slice(0, g.size)) boot(h.name, g.flavor, g.name);
}
// Every swap and cycle host runs an ungrouped m1.large that will move.
for (const h of NEAR_FULL) boot(h, 'm1.large');

const weighted = (list) => {
  const total = list.reduce((s, [, w]) => s + w, 0);
  let x = random() * total;
  for (const [f, w] of list) if ((x -= w) < 0) return f;
  return list[list.length - 1][0];
};
for (const h of hosts) {
  // Near-full hosts end with less free RAM than an m1.large; the others about 71-86 % full.
  const fill = NEAR_FULL.has(h.name) ? 0.93 : uniform(0.75, 0.86);
  const limit = { ...usable, ram: usable.ram * fill };
  for (;;) {
    const wanted = weighted(POPULARITY);
    const order = [wanted, ...Object.keys(FLAVORS).reverse().filter((f) => f !== wanted)];
    const flavor = order.find((f) => fits(load[h.name], f, limit));
    if (!flavor) break;
    boot(h.name, flavor);
  }
}

// -------------------------------------------------------------- the target
const target = { ...placement };
const targetLoad = structuredClone(load);
const flavorOf = Object.fromEntries(vms.map((v) => [v.name, v.attributes.flavor]));
const groupOf = Object.fromEntries(vms.map((v) => [v.name, v.group]));
const moved = new Set();
const on = (host) => Object.keys(target).filter((v) => target[v] === host);
const groupFree = (vm, host) => !groupOf[vm] || on(host).every((u) => u === vm || groupOf[u] !== groupOf[vm]);
const roomy = { ...usable, ram: usable.ram * TARGET_FILL };
function relocate(vm, to) {
  add(targetLoad[target[vm]], flavorOf[vm], -1);
  add(targetLoad[to], flavorOf[vm]);
  target[vm] = to;
  moved.add(vm);
}
const movingLarge = (host) => on(host).find((v) => !groupOf[v] && flavorOf[v] === 'm1.large');

// 1. Swap two m1.large between the two near-full az1 hosts.
const [s1, s2] = SWAP.map(movingLarge);
relocate(s1, SWAP[1]);
relocate(s2, SWAP[0]);
// 2. Rotate three m1.large around the three near-full az2 hosts.
const cycle = CYCLE.map(movingLarge);
cycle.forEach((vm, i) => relocate(vm, CYCLE[(i + 1) % CYCLE.length]));
// 3. Drain one host, largest VMs first: each goes to the emptiest host of its zone that takes it.
const draining = on(DRAIN).sort((a, b) => FLAVORS[flavorOf[b]].ram - FLAVORS[flavorOf[a]].ram || a.localeCompare(b));
for (const vm of draining) {
  const options = hosts.filter((h) => h.zone === zoneOf[DRAIN] && h.name !== DRAIN && !NEAR_FULL.has(h.name)
    && fits(targetLoad[h.name], flavorOf[vm], roomy) && groupFree(vm, h.name));
  if (options.length === 0) throw new Error(`cannot drain ${vm} from ${DRAIN}`);
  options.sort((a, b) => targetLoad[a.name].ram - targetLoad[b.name].ram || a.name.localeCompare(b.name));
  relocate(vm, options[0].name);
}
// 4. Rebalance: random VMs (not web or db) to random hosts of their zone that have room, until a quarter has moved.
const wanted = Math.round(vms.length * 0.25);
for (let tries = 0; moved.size < wanted && tries < 10000; tries++) {
  const vm = pick(vms).name;
  const from = target[vm];
  if (moved.has(vm) || NEAR_FULL.has(from) || STAY_GROUPS.has(groupOf[vm])) continue;
  const to = pick(hosts.filter((h) => h.zone === zoneOf[from] && h.name !== from && h.name !== DRAIN && !NEAR_FULL.has(h.name))).name;
  if (!fits(targetLoad[to], flavorOf[vm], roomy) || !groupFree(vm, to)) continue;
  relocate(vm, to);
}

// ------------------------------------------------------------ self-checks
function check(assignment, what) {
  const l = Object.fromEntries(hosts.map((h) => [h.name, { ram: 0, cpu: 0, disk: 0 }]));
  const seen = new Set();
  for (const v of vms) {
    const h = assignment[v.name];
    add(l[h], flavorOf[v.name]);
    if (zoneOf[h] !== zoneOf[placement[v.name]]) throw new Error(`${what}: ${v.name} leaves its zone`);
    if (v.group) {
      const key = `${v.group}@${h}`;
      if (seen.has(key)) throw new Error(`${what}: two members of ${v.group} on ${h}`);
      seen.add(key);
    }
  }
  for (const h of hosts) for (const r of RESOURCES) {
    if (l[h.name][r] > usable[r]) throw new Error(`${what}: ${h.name} ${r} ${l[h.name][r]} > ${usable[r]}`);
  }
  return l;
}
const before = check(placement, 'placement');
const after = check(target, 'target');
for (const h of NEAR_FULL) {
  if (usable.ram - before[h].ram >= FLAVORS['m1.large'].ram) throw new Error(`${h} is not near-full`);
}
const fill = (h) => before[h].ram / usable.ram;
const fills = hosts.map((h) => fill(h.name));
if (Math.min(...fills) < 0.7 || Math.max(...fills) > 0.95) throw new Error('a host is outside 70-95 % RAM');
for (const h of hosts) {
  if (!NEAR_FULL.has(h.name) && after[h.name].ram > roomy.ram) throw new Error(`target: ${h.name} over ${TARGET_FILL * 100} % RAM`);
}
for (const v of vms) {
  if (STAY_GROUPS.has(v.group) && moved.has(v.name)) throw new Error(`${v.name} of group ${v.group} moves`);
}
if (vms.length < 100 || vms.length > 140) throw new Error(`${vms.length} VMs, not 100-140`);

// ------------------------------------------------------------------ output
const targetDoc = Object.fromEntries(vms.filter((v) => moved.has(v.name)).map((v) => [v.name, target[v.name]]));
const doc = {
  'x-description': `A 20-host, two-zone OpenStack-like cloud (${vms.length} VMs, RAM ${Math.round(Math.min(...fills) * 100)}-${Math.round(Math.max(...fills) * 100)} % used) whose target drains ${DRAIN}, swaps two m1.large between the near-full ${SWAP.join(' and ')}, rotates three m1.large around ${CYCLE.join(', ')} and rebalances others: ${moved.size} VMs move, each within its zone, with anti-affinity groups.`,
  'x-generated-by': `node examples/generate-cloud-20.mjs --seed ${SEED}`,
  'x-flavors': FLAVORS,
  hosts,
  vms,
  placement,
  target: targetDoc,
  policy: { rules: ['anti-affinity', 'zone'] },
};

// One host, VM or assignment per line: readable and diff-friendly.
const inline = (x) => JSON.stringify(x).replace(/":/g, '": ').replace(/,"/g, ', "').replace(/^\{/, '{ ').replace(/\}$/, ' }');
const lines = ['{'];
const entries = Object.entries(doc);
entries.forEach(([key, value], i) => {
  const comma = i < entries.length - 1 ? ',' : '';
  if (Array.isArray(value)) {
    lines.push(`  "${key}": [`);
    value.forEach((item, j) => lines.push(`    ${inline(item)}${j < value.length - 1 ? ',' : ''}`));
    lines.push(`  ]${comma}`);
  } else if (key === 'placement' || key === 'target') {
    const pairs = Object.entries(value);
    lines.push(`  "${key}": {`);
    pairs.forEach(([k, v], j) => lines.push(`    ${JSON.stringify(k)}: ${JSON.stringify(v)}${j < pairs.length - 1 ? ',' : ''}`));
    lines.push(`  }${comma}`);
  } else {
    lines.push(`  "${key}": ${typeof value === 'object' ? inline(value) : JSON.stringify(value)}${comma}`);
  }
});
lines.push('}');
writeFileSync(OUT, lines.join('\n') + '\n');
process.stdout.write(`wrote ${OUT}: ${hosts.length} hosts, ${vms.length} VMs, ${moved.size} to move\n`);
