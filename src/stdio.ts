// Output for the short-lived commands. The process.stdout/stderr getters build a stream (and
// load node:stream, net or tty) on first use: 3-5 ms of a `state` that is otherwise ~1 ms of work.
// A plain write(2) is what those streams do on Linux for files, pipes and terminals anyway.
import { writeSync } from 'node:fs';

function writeFd(fd: 1 | 2, text: string): void {
  const data = Buffer.from(text);
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (err) {
      // a caller may hand us a non-blocking pipe that is full: the stream waits for it properly
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      (fd === 1 ? process.stdout : process.stderr).write(data.subarray(off));
      return;
    }
  }
}

/** An object (not bare functions) so tests can intercept what tdrun prints. */
export const stdio = {
  out(text: string): void {
    writeFd(1, text);
  },
  err(text: string): void {
    writeFd(2, text);
  },
};
