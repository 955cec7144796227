/**
 * Adversarial shapes, each with what its construction proves (GiB = 1024 MiB of RAM):
 * - swaps: k independent swaps between two hosts that are full for the other's VM, each
 *   with its own spare. Each swap needs one detour, the smaller VM's: optimum
 *   sum(a + b + min(a, b)).
 * - cycle: L = 3-30 full hosts, VM i to host i+1, one spare that fits the smallest VM:
 *   one detour, optimum sum + min.
 * - cycles sharing a spare: 2-4 cycles of 3-8 that take turns on one spare: optimum
 *   the sum over the cycles.
 * - nested: L hosts each holding an outer VM (to host i+1) and an inner one (to i+2),
 *   full, and a spare: feasible (rotate one ring, then the other); optimum by the oracle.
 * - bystander: k copies of a swap of two VMs of size a blocked by a VM c < a/2 that is
 *   not asked to move and must step aside to the spare and come back (a detour of a swap
 *   VM, even into room another copy frees, costs a > 2c): optimum k(2a + 2c).
 * - multi-resource: k copies of a swap where CPU blocks and only the large-RAM VM fits
 *   the spare's CPU: optimum 2 ram_a + ram_b for k = 1 (for k > 1 a small VM may detour
 *   into room another copy frees; the oracle decides).
 * Every shape draws a concurrency-limit variant; limits change waves, not cost.
 */
import type { Random } from '../random.js';
import { DocBuilder } from './builder.js';
import { drawHostLimits, drawLimits } from './limits.js';
import type { Draft } from './draft.js';

const GiB = 1024;
const SIZES = [1, 2, 4, 8, 16].map((g) => g * GiB);

export interface AdversarialOptions {
  /** Largest k of the independent-swaps shape. Default 10. */
  maxSwaps?: number;
  /** Longest cycle. Default 30. */
  maxCycle?: number;
}

type Shape = (rng: Random, b: DocBuilder, options: Required<AdversarialOptions>) => { label: string; optimum?: number };

const swaps: Shape = (rng, b, { maxSwaps }) => {
  const k = rng.int(1, maxSwaps);
  let optimum = 0;
  for (let i = 1; i <= k; i++) {
    const [x, y] = [rng.pick(SIZES), rng.pick(SIZES)];
    const big = Math.max(x, y);
    const left = b.host(`s${i}-a`, { ram: big });
    const right = b.host(`s${i}-b`, { ram: big });
    b.host(`s${i}-spare`, { ram: Math.min(x, y) * rng.pick([1, 1, 2]) });
    b.vm(`s${i}-x`, { ram: x }, left, right);
    b.vm(`s${i}-y`, { ram: y }, right, left);
    optimum += x + y + Math.min(x, y);
  }
  return { label: `swaps k=${k}`, optimum };
};

/** A cycle over new hosts `${p}-1..L`: VM i to host i+1; returns the sizes. */
function ring(rng: Random, b: DocBuilder, p: string, length: number, equal: boolean): number[] {
  const one = rng.pick(SIZES);
  const sizes = Array.from({ length }, () => (equal ? one : rng.pick(SIZES)));
  for (let i = 0; i < length; i++) {
    const before = sizes[(i + length - 1) % length]!;
    b.host(`${p}-${i + 1}`, { ram: Math.max(sizes[i]!, before) });
  }
  sizes.forEach((s, i) => b.vm(`${p}-vm${i + 1}`, { ram: s }, `${p}-${i + 1}`, `${p}-${((i + 1) % length) + 1}`));
  return sizes;
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

const cycle: Shape = (rng, b, { maxCycle }) => {
  const length = rng.int(3, maxCycle);
  const equal = rng.chance(0.5);
  const sizes = ring(rng, b, 'c', length, equal);
  b.host('spare', { ram: Math.min(...sizes) });
  return { label: `cycle L=${length}${equal ? ' equal' : ''}`, optimum: sum(sizes) + Math.min(...sizes) };
};

const sharedSpare: Shape = (rng, b) => {
  const count = rng.int(2, 4);
  let optimum = 0;
  let room = 0;
  const lengths: number[] = [];
  for (let c = 1; c <= count; c++) {
    const length = rng.int(3, 8);
    lengths.push(length);
    const sizes = ring(rng, b, `r${c}`, length, rng.chance(0.5));
    optimum += sum(sizes) + Math.min(...sizes);
    room = Math.max(room, Math.min(...sizes));
  }
  b.host('spare', { ram: room });
  return { label: `cycles sharing a spare L=${lengths.join('+')}`, optimum };
};

const nested: Shape = (rng, b) => {
  const length = rng.int(3, 5);
  const [outer, inner] = [rng.pick(SIZES), rng.pick(SIZES)];
  for (let i = 1; i <= length; i++) b.host(`n-${i}`, { ram: outer + inner });
  const host = (i: number) => `n-${((i - 1) % length) + 1}`;
  for (let i = 1; i <= length; i++) {
    b.vm(`n-out${i}`, { ram: outer }, host(i), host(i + 1));
    b.vm(`n-in${i}`, { ram: inner }, host(i), host(i + 2));
  }
  b.host('spare', { ram: Math.max(outer, inner) });
  return { label: `nested L=${length}` };
};

const bystander: Shape = (rng, b) => {
  const k = rng.int(1, 4);
  const a = rng.pick(SIZES.slice(1));
  const c = rng.int(1, a / 1024 - 1) * 512;
  for (let i = 1; i <= k; i++) {
    const left = b.host(`b${i}-a`, { ram: 2 * a });
    const right = b.host(`b${i}-b`, { ram: a });
    b.host(`b${i}-spare`, { ram: c });
    b.vm(`b${i}-x`, { ram: a }, left, right);
    b.vm(`b${i}-stay`, { ram: c }, left);
    b.vm(`b${i}-y`, { ram: a }, right, left);
  }
  return { label: `bystander k=${k}`, optimum: k * (2 * a + 2 * c) };
};

const multiResource: Shape = (rng, b) => {
  const k = rng.int(1, 4);
  const bigRam = rng.pick(SIZES.slice(1));
  const smallRam = rng.pick(SIZES.filter((s) => s < bigRam));
  const fewCpu = rng.int(1, 3);
  const manyCpu = fewCpu + rng.int(1, 4);
  for (let i = 1; i <= k; i++) {
    const left = b.host(`m${i}-a`, { ram: bigRam + smallRam, cpu: manyCpu });
    const right = b.host(`m${i}-b`, { ram: bigRam + smallRam, cpu: manyCpu });
    b.host(`m${i}-spare`, { ram: bigRam, cpu: fewCpu });
    b.vm(`m${i}-ram`, { ram: bigRam, cpu: fewCpu }, left, right);
    b.vm(`m${i}-cpu`, { ram: smallRam, cpu: manyCpu }, right, left);
  }
  return { label: `multi-resource k=${k}`, ...(k === 1 ? { optimum: 2 * bigRam + smallRam } : {}) };
};

const SHAPES: readonly Shape[] = [swaps, swaps, cycle, cycle, sharedSpare, nested, bystander, multiResource];

export function adversarial(options: AdversarialOptions = {}) {
  const settings = { maxSwaps: options.maxSwaps ?? 10, maxCycle: options.maxCycle ?? 30 };
  return async (rng: Random): Promise<Draft> => {
    const b = new DocBuilder();
    const { label, optimum } = rng.pick(SHAPES)(rng, b, settings);
    const { limits, label: limitLabel } = drawLimits(rng);
    if (limits) b.doc.limits = limits;
    const perHost = drawHostLimits(rng, b.doc.hosts, 0.25);
    const shape = `${label} ${limitLabel}${perHost ? ' host limits' : ''}`;
    return { shape, doc: b.doc, timeLimit: 3, known: { feasible: true, ...(optimum === undefined ? {} : { optimum }) } };
  };
}
