import type { FuzzInstance } from '../instance.js';

/** A generated instance before the campaign gives it its family, index and seed. */
export type Draft = Pick<FuzzInstance, 'shape' | 'doc' | 'timeLimit' | 'known'>;
