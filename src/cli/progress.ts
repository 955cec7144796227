/** A progress bar on stderr when it is a terminal; silent on a pipe. */
export function progressReporter(enabled = process.stderr.isTTY === true): ((done: number, total: number, note?: string) => void) & { end(): void } {
  let last = 0;
  let shown = false;
  const report = (done: number, total: number, note?: string) => {
    if (!enabled) return;
    if (note) {
      // A phase without a count (a solver running): say what it is doing.
      process.stderr.write(`\r\x1b[K${note}`);
      shown = true;
      return;
    }
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    const width = 30;
    const filled = total ? Math.round((done / total) * width) : width;
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} VMs placed`);
    shown = true;
  };
  return Object.assign(report, {
    end() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  });
}
