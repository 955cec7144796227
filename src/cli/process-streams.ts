/**
 * The process's stdout and stderr as the command line writes to them (run.ts `Io`). A reader
 * that stops early (`shunt plan ... --json | head`) closes the pipe: then writing stops, quietly.
 */
export function processStreams(): { stdout: (text: string) => void; stderr: (text: string) => void } {
  let closed = false;
  const quietOnClosedPipe = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    closed = true;
  };
  process.stdout.on('error', quietOnClosedPipe);
  process.stderr.on('error', quietOnClosedPipe);
  return {
    stdout: (text) => { if (!closed) process.stdout.write(text); },
    stderr: (text) => { if (!closed) process.stderr.write(text); },
  };
}
