/** Regenerates instance I of a family from the campaign seed (the same every time). */
import { FAMILIES, type Family, type FuzzInstance } from './instance.js';
import { Random, instanceSeed } from './random.js';
import { tiny } from './families/tiny.js';
import { padded } from './families/padded.js';
import { reachable, type ReachableOptions } from './families/reachable.js';
import { adversarial, type AdversarialOptions } from './families/adversarial.js';
import { overloaded } from './families/overloaded.js';
import { sla } from './families/sla.js';

export interface GeneratorOptions {
  adversarial?: AdversarialOptions;
  reachable?: ReachableOptions;
}

export async function generateInstance(family: Family, seed: number, index: number, options: GeneratorOptions = {}): Promise<FuzzInstance> {
  if (!FAMILIES.includes(family)) throw new Error(`unknown family ${family} (known: ${FAMILIES.join(', ')})`);
  const rng = new Random(instanceSeed(seed, family, index));
  const make = { tiny, padded, reachable: reachable(options.reachable), adversarial: adversarial(options.adversarial), overloaded, sla }[family];
  const draft = await make(rng);
  return { family, index, seed, ...draft };
}
