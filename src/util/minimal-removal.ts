/**
 * Takes items away in the given order until `ok()` holds, then puts back (last taken
 * first) every one that is not needed after all. Returns the needed ones, still taken
 * away, in the order they were taken; or undefined, with everything put back, when
 * taking them all is not enough. Used to find which VMs must leave a host for another.
 */
export function minimalRemoval<T>(
  candidates: Iterable<T>,
  take: (item: T) => void,
  putBack: (item: T) => void,
  ok: () => boolean,
): T[] | undefined {
  const taken: T[] = [];
  let good = ok();
  for (const item of candidates) {
    if (good) break;
    take(item);
    taken.push(item);
    good = ok();
  }
  if (!good) {
    for (const item of taken) putBack(item);
    return undefined;
  }
  const needed: T[] = [];
  for (let i = taken.length - 1; i >= 0; i--) {
    const item = taken[i]!;
    putBack(item);
    if (!ok()) { take(item); needed.push(item); }
  }
  return needed.reverse();
}
