import { afterEach, beforeEach, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { walkFiles } from './walk-files.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'walk-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function collect(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const file of walkFiles(dir)) out.push(file.relativePath);
  return out;
}

it('walks recursively in a stable order with forward-slash relative paths', async () => {
  await mkdir(path.join(root, 'b', 'deep'), { recursive: true });
  await mkdir(path.join(root, 'a'));
  await writeFile(path.join(root, 'b', 'deep', 'x.png'), '');
  await writeFile(path.join(root, 'a', 'y.bmp'), '');
  await writeFile(path.join(root, 'top.jpg'), '');
  expect(await collect(root)).toEqual(['top.jpg', 'a/y.bmp', 'b/deep/x.png']);
});

it('follows symlinks but never loops, and skips dangling links', async () => {
  await mkdir(path.join(root, 'photos'));
  await writeFile(path.join(root, 'photos', 'p.png'), '');
  await symlink(root, path.join(root, 'photos', 'loop-to-root')); // a cycle
  await symlink(path.join(root, 'photos'), path.join(root, 'alias')); // second way in
  await symlink(path.join(root, 'missing'), path.join(root, 'dangling.png'));
  await mkdir(path.join(root, 'elsewhere'));
  await writeFile(path.join(root, 'elsewhere', 'e.png'), '');
  await symlink(path.join(root, 'elsewhere', 'e.png'), path.join(root, 'photos', 'link.png'));
  const files = await collect(root);
  // Each directory is visited once, so p.png appears once (via whichever path came first).
  expect(files.filter((f) => f.endsWith('p.png'))).toHaveLength(1);
  expect(files).toContain('elsewhere/e.png');
  expect(files.some((f) => f.endsWith('link.png'))).toBe(true);
  expect(files).not.toContain('dangling.png');
});

it('refuses a root that is not a folder', async () => {
  await writeFile(path.join(root, 'file.png'), '');
  await expect(collect(path.join(root, 'file.png'))).rejects.toThrow(/not a directory/);
});
