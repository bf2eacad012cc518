import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** Files above this are not read at all: Voice ID takes recordings of up to 20 MB. */
export const MAX_READ_BYTES = 64 * 1024 * 1024;

/**
 * Reads a local file whole, or only its size when it is larger than `maxBytes`. Synchronous on
 * purpose: a recording is a few hundred KB from the page cache, four syscalls; through fs/promises
 * the same read was five thread-pool round trips (stat, open, fstat, read, close), whose wake-ups
 * cost the upload loop more main-thread time than the reads themselves (bench/upload.bench.ts).
 *
 * `bufferFor(size)` may lend a buffer of at least `size` bytes to read into (the body is then a view
 * of it, valid until the lender reuses it); otherwise a new one is allocated.
 */
export function readWhole(
  path: string,
  maxBytes: number,
  bufferFor?: (size: number) => Buffer | undefined,
): { body: Buffer | undefined; size: number } {
  const fd = openSync(path, "r");
  try {
    const { size } = fstatSync(fd);
    if (size > maxBytes) return { body: undefined, size };
    const lent = bufferFor?.(size);
    const buffer = lent && lent.length >= size ? lent : Buffer.allocUnsafe(size);
    let offset = 0;
    while (offset < size) {
      const read = readSync(fd, buffer, offset, size - offset, offset);
      if (read === 0) break;
      offset += read;
    }
    return { body: buffer.subarray(0, offset), size };
  } finally {
    closeSync(fd);
  }
}
