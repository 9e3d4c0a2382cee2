import { afterEach, beforeEach, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMarkedAsUntransferable } from 'node:worker_threads';
import { readBounded } from './read-bounded.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'read-bounded-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const identityOf = async (file: string) => {
  const s = await stat(file, { bigint: true });
  return { dev: s.dev, ino: s.ino };
};

it('reads a file whole into a buffer of its own, telling the size before reading', async () => {
  const file = path.join(dir, 'a.bin');
  await writeFile(file, 'hello');
  const sizes: number[] = [];
  const bytes = await readBounded(file, 'a.bin', {
    maxBytes: 5,
    expected: await identityOf(file),
    beforeRead: async (size) => void sizes.push(size),
  });
  expect(Buffer.from(bytes).toString()).toBe('hello');
  expect(sizes).toEqual([5]);
  expect(bytes.byteOffset).toBe(0);
  expect(isMarkedAsUntransferable(bytes.buffer)).toBe(false); // not Node's shared pool
});

it('refuses a file above the limit before reading any of it', async () => {
  const file = path.join(dir, 'big.bin');
  await writeFile(file, 'x'.repeat(11));
  let asked = false;
  const read = readBounded(file, 'big.bin', {
    maxBytes: 10,
    beforeRead: async () => void (asked = true),
  });
  await expect(read).rejects.toThrow(/^big\.bin: file is 11 bytes, above the 10-byte limit$/);
  expect(asked).toBe(false);
});

it('refuses a file that grows while it is being read', async () => {
  const file = path.join(dir, 'growing.bin');
  await writeFile(file, 'abc');
  const read = readBounded(file, 'growing.bin', {
    maxBytes: 100,
    beforeRead: () => appendFile(file, 'more'), // between fstat and read, on the same file
  });
  await expect(read).rejects.toThrow(/growing\.bin: file grew while being read/);
});

it('refuses a symbolic link as the final component, and a file swapped after the check', async () => {
  const file = path.join(dir, 'real.bin');
  const other = path.join(dir, 'other.bin');
  await writeFile(file, 'real');
  await writeFile(other, 'other');
  await symlink(file, path.join(dir, 'link.bin'));
  await expect(
    readBounded(path.join(dir, 'link.bin'), 'link.bin', { maxBytes: 100 }),
  ).rejects.toThrow(/link\.bin: became a symbolic link/);
  const checked = await identityOf(file);
  await expect(
    readBounded(other, 'real.bin', { maxBytes: 100, expected: checked }),
  ).rejects.toThrow(/real\.bin: replaced by another file/);
});

it.skipIf(process.platform === 'win32')('refuses a pipe without blocking on it', async () => {
  const fifo = path.join(dir, 'pipe.png');
  execFileSync('mkfifo', [fifo]);
  await expect(readBounded(fifo, 'pipe.png', { maxBytes: 100 })).rejects.toThrow(
    /pipe\.png: not a regular file/,
  );
});
