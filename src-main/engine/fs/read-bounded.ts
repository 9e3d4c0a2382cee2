// Reads one untrusted file through ONE file descriptor: open, fstat that descriptor,
// refuse what is not a regular file or is too big, then read at most size + 1 bytes
// from the same descriptor. A stat-then-readFile pair would judge one file and read
// another (the path can be swapped in between), and readFile reads whatever the file
// has grown to by then. The final path component is opened with O_NOFOLLOW, and when
// the walker recorded which file the path named (device, inode), the descriptor must
// be that file: a link or file swapped in after the walk checked it is refused.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileIdentity } from './walk-files.ts';

export interface BoundedReadOptions {
  /** Larger files are refused before any byte is read. */
  readonly maxBytes: number;
  /** The file the path named when it was checked (from walkFiles). */
  readonly expected?: FileIdentity;
  /** Runs between fstat and the read, with the size fstat gave (e.g. to wait for a budget). */
  readonly beforeRead?: (size: number) => Promise<void>;
}

/**
 * O_NONBLOCK: a pipe swapped in for the file must not block the open waiting for a
 * writer (it changes nothing for regular files). Windows has neither flag; there the
 * identity check alone catches a swapped file.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * The file's bytes, in a fresh (unpooled, zero-filled) buffer the caller owns and may
 * transfer to a worker. Errors name the file by `label`, never by its content.
 */
export async function readBounded(
  filePath: string,
  label: string,
  options: BoundedReadOptions,
): Promise<Uint8Array> {
  const handle = await open(filePath, OPEN_FLAGS).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOOP' || error.code === 'EMLINK')
      throw new Error(`${label}: became a symbolic link after it was checked; not read`);
    throw error;
  });
  try {
    const s = await handle.stat({ bigint: true });
    if (!s.isFile()) throw new Error(`${label}: not a regular file; not read`);
    const expected = options.expected;
    if (expected && (s.dev !== expected.dev || s.ino !== expected.ino))
      throw new Error(`${label}: replaced by another file after it was checked; not read`);
    if (s.size > BigInt(options.maxBytes))
      throw new Error(
        `${label}: file is ${s.size} bytes, above the ${options.maxBytes}-byte limit`,
      );
    const size = Number(s.size);
    await options.beforeRead?.(size);
    // One byte more than fstat promised: getting it means the file grew while read.
    const buffer = new Uint8Array(size + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > size)
      throw new Error(`${label}: file grew while being read (was ${size} bytes); not imported`);
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
