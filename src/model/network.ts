/**
 * The network of an instance, compiled into an index-based form.
 *
 * Document (`network` in the instance, optional):
 *   { "links": [{ "name": "sw1-core", "capacity": 10000 }, ...],
 *     "hosts": { "h1": ["h1-up", "sw1-core"], ... } }
 * Every link is full duplex with `capacity` Mb/s each way. A host lists the links its
 * migration traffic crosses on the way up a tree: its own uplink first, then the switch
 * links up to the root. The path from a to b is a's links up to the first link b's list
 * shares from there on (the common switch), then b's links down: the links both lists end
 * with are not crossed. Traffic from a goes "up" on a's links and "down" on b's.
 *
 * A host not listed (and every host when there is no `network`) has a link of its own of
 * `attributes.bandwidth` Mb/s (else the default), not shared with other hosts: the
 * per-host link model.
 *
 * Compiled form: links by index (listed links first, then one per unlisted host), each with
 * two directed channels, channel 2l (up, away from the host's side) and 2l + 1 (down).
 */
import type { Model } from './model.js';
import type { InstanceDoc, NetworkDoc } from './instance.js';
import type { InputIssue } from '../io/errors.js';
import { describeValue, pointer } from '../io/errors.js';

/** Megabits in one MiB (2^20 bytes x 8 bits / 10^6). */
export const MEGABITS_PER_MIB = 8.388608;

export interface Network {
  /** Link names: listed links, then `<host>` for each host's own implicit link. */
  readonly linkNames: readonly string[];
  /** MiB/s each way, per link. */
  readonly capacity: Float64Array;
  /** Per host, the links up the tree (own link first). */
  readonly hostLinks: readonly Int32Array[];
  /** Links declared in the instance (the others are implicit host links). */
  readonly declared: number;
}

/** Semantic checks that the schema cannot make: names, and that the lists form a tree. */
export function networkIssues(doc: InstanceDoc): InputIssue[] {
  const net = doc.network;
  if (!net) return [];
  const issues: InputIssue[] = [];
  const links = new Map<string, number>();
  net.links.forEach((l, i) => {
    if (links.has(l.name)) issues.push({ path: pointer('network', 'links', i, 'name'), message: `duplicate link name ${describeValue(l.name)}` });
    else links.set(l.name, i);
  });
  const hosts = new Set(doc.hosts.map((h) => h.name));
  const parent = new Map<string, { up: string | null; host: string }>();
  const ownedBy = new Map<string, string>();
  for (const [host, list] of Object.entries(net.hosts)) {
    if (host.startsWith('x-')) continue;
    const at = pointer('network', 'hosts', host);
    if (!hosts.has(host)) issues.push({ path: at, message: `unknown host ${describeValue(host)}` });
    const seen = new Set<string>();
    list.forEach((name, j) => {
      const path = pointer('network', 'hosts', host, j);
      if (!links.has(name)) { issues.push({ path, message: `unknown link ${describeValue(name)}` }); return; }
      if (seen.has(name)) { issues.push({ path, message: `link ${describeValue(name)} appears twice on the path of ${describeValue(host)}` }); return; }
      seen.add(name);
      const up = list[j + 1] ?? null;
      const known = parent.get(name);
      if (known && known.up !== up) {
        issues.push({ path, message: `link ${describeValue(name)} leads to ${describeValue(up)} here but to ${describeValue(known.up)} for host ${describeValue(known.host)}: the links must form a tree` });
      } else if (!known) parent.set(name, { up, host });
    });
    // A host's own link (first) carries no other host's traffic below it.
    const own = list[0];
    if (own !== undefined && links.has(own)) {
      const other = ownedBy.get(own);
      if (other !== undefined) issues.push({ path: pointer('network', 'hosts', host, 0), message: `link ${describeValue(own)} is already the own link of host ${describeValue(other)}` });
      else ownedBy.set(own, host);
    }
  }
  for (const [host, list] of Object.entries(net.hosts)) {
    if (host.startsWith('x-')) continue;
    list.forEach((name, j) => {
      const owner = ownedBy.get(name);
      if (j > 0 && owner !== undefined && owner !== host) issues.push({ path: pointer('network', 'hosts', host, j), message: `link ${describeValue(name)} is the own link of host ${describeValue(owner)} and cannot be a switch link` });
    });
  }
  return issues;
}

const cache = new WeakMap<Model, Map<number, Network>>();

/** The model's network (memoised per model and default link speed). `defaultMbps` applies to hosts without attributes.bandwidth. */
export function networkOf(model: Model, defaultMbps: number): Network {
  let byDefault = cache.get(model);
  if (!byDefault) { byDefault = new Map(); cache.set(model, byDefault); }
  let net = byDefault.get(defaultMbps);
  if (!net) { net = compileNetwork(model, defaultMbps); byDefault.set(defaultMbps, net); }
  return net;
}

/** A host's own link speed in Mb/s when the network does not list it. */
export function hostLinkMbps(model: Model, host: number, defaultMbps: number): number {
  const b = model.hosts[host]!.attributes['bandwidth'];
  return typeof b === 'number' && Number.isFinite(b) && b > 0 ? b : defaultMbps;
}

function compileNetwork(model: Model, defaultMbps: number): Network {
  const doc: NetworkDoc | undefined = model.source.network;
  const names: string[] = [];
  const mbps: number[] = [];
  const index = new Map<string, number>();
  for (const l of doc?.links ?? []) { index.set(l.name, names.length); names.push(l.name); mbps.push(l.capacity); }
  const declared = names.length;
  const hostLinks = model.hosts.map((h) => {
    const list = doc?.hosts[h.name];
    if (list && list.length) return Int32Array.from(list, (n) => index.get(n)!);
    names.push(h.name);
    mbps.push(hostLinkMbps(model, h.index, defaultMbps));
    return Int32Array.of(names.length - 1);
  });
  return { linkNames: names, capacity: Float64Array.from(mbps, (x) => x / MEGABITS_PER_MIB), hostLinks, declared };
}

/**
 * The channels a migration from a to b uses: a's links up to the common switch (channel 2l),
 * then b's links down from it (2l + 1). Empty when a = b.
 */
export function pathChannels(net: Network, a: number, b: number): Int32Array {
  const out = new Int32Array(pathLength(net, a, b));
  writePathChannels(net, a, b, out, 0);
  return out;
}

/** How many channels the path from a to b crosses (pathChannels' length, without building it). */
export function pathLength(net: Network, a: number, b: number): number {
  if (a === b) return 0;
  const up = net.hostLinks[a]!;
  const down = net.hostLinks[b]!;
  let u = up.length;
  let d = down.length;
  while (u > 0 && d > 0 && up[u - 1] === down[d - 1]) { u--; d--; }
  return u + d;
}

/**
 * Writes pathChannels(net, a, b) into `out` from `at` (many paths in one buffer): a's links up
 * to the first link b's list shares from there on, then b's links down. Returns the index after it.
 */
export function writePathChannels(net: Network, a: number, b: number, out: Int32Array, at: number): number {
  if (a === b) return at;
  const up = net.hostLinks[a]!;
  const down = net.hostLinks[b]!;
  let u = up.length;
  let d = down.length;
  while (u > 0 && d > 0 && up[u - 1] === down[d - 1]) { u--; d--; }
  for (let k = 0; k < u; k++) out[at + k] = 2 * up[k]!;
  for (let k = 0; k < d; k++) out[at + u + k] = 2 * down[k]! + 1;
  return at + u + d;
}

/** MiB/s of the slowest channel of a path, channels[from .. to] (what one migration alone on it gets). */
export function pathBandwidth(net: Network, channels: ArrayLike<number>, from = 0, to = channels.length): number {
  let b = Infinity;
  for (let k = from; k < to; k++) b = Math.min(b, net.capacity[channels[k]! >> 1]!);
  return b;
}
