import { afterEach, beforeEach, expect, it } from 'vitest';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { walkFiles } from './walk-files.ts';
import type { SkippedEntry, WalkOptions } from './walk-files.ts';

let base: string; // holds the walked root and a folder outside it
let root: string;
let outside: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'walk-'));
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.png'), 'outside');
});
afterEach(() => rm(base, { recursive: true, force: true }));

async function collect(
  dir: string,
  options: WalkOptions = {},
): Promise<{ files: string[]; skipped: SkippedEntry[] }> {
  const files: string[] = [];
  const skipped: SkippedEntry[] = [];
  for await (const file of walkFiles(dir, { ...options, onSkip: (s) => skipped.push(s) }))
    files.push(file.relativePath);
  return { files, skipped };
}

it('walks recursively in a stable order with forward-slash relative paths', async () => {
  await mkdir(path.join(root, 'b', 'deep'), { recursive: true });
  await mkdir(path.join(root, 'a'));
  await writeFile(path.join(root, 'b', 'deep', 'x.png'), '');
  await writeFile(path.join(root, 'a', 'y.bmp'), '');
  await writeFile(path.join(root, 'top.jpg'), '');
  expect((await collect(root)).files).toEqual(['top.jpg', 'a/y.bmp', 'b/deep/x.png']);
});

it('follows symlinks inside the root but never loops, and reports dangling links', async () => {
  await mkdir(path.join(root, 'photos'));
  await writeFile(path.join(root, 'photos', 'p.png'), '');
  await symlink(root, path.join(root, 'photos', 'loop-to-root')); // a cycle
  await symlink(path.join(root, 'photos'), path.join(root, 'alias')); // second way in
  await symlink(path.join(root, 'missing'), path.join(root, 'dangling.png'));
  await symlink(path.join(root, 'self.png'), path.join(root, 'self.png')); // a one-link loop
  await mkdir(path.join(root, 'elsewhere'));
  await writeFile(path.join(root, 'elsewhere', 'e.png'), '');
  await symlink(path.join(root, 'elsewhere', 'e.png'), path.join(root, 'photos', 'link.png'));
  const { files, skipped } = await collect(root);
  // Each directory is visited once, so p.png appears once (via whichever path came first).
  expect(files.filter((f) => f.endsWith('p.png'))).toHaveLength(1);
  expect(files).toContain('elsewhere/e.png');
  expect(files.some((f) => f.endsWith('link.png'))).toBe(true);
  expect(files).not.toContain('dangling.png');
  expect(skipped.map((s) => s.relativePath).sort()).toEqual(['dangling.png', 'self.png']);
  expect(skipped[0]!.reason).toMatch(/broken or looping symbolic link/);
});

it('yields the real path and identity a reader can check', async () => {
  await writeFile(path.join(root, 'a.png'), 'a');
  await symlink(path.join(root, 'a.png'), path.join(root, 'b.png'));
  const walked = [];
  for await (const file of walkFiles(root)) walked.push(file);
  const real = await realpath(path.join(root, 'a.png'));
  expect(walked.map((f) => f.realPath)).toEqual([real, real]);
  expect(walked[0]!.identity).toEqual(walked[1]!.identity);
  expect(typeof walked[0]!.identity.ino).toBe('bigint');
});

it('does not leave the root through a symlink unless asked, and says so', async () => {
  await writeFile(path.join(root, 'own.png'), '');
  await symlink(path.join(outside, 'secret.png'), path.join(root, 'file-link.png'));
  await symlink(outside, path.join(root, 'folder-link'));
  const { files, skipped } = await collect(root);
  expect(files).toEqual(['own.png']);
  expect(skipped.map((s) => s.relativePath).sort()).toEqual(['file-link.png', 'folder-link']);
  for (const s of skipped)
    expect(s.reason).toMatch(/^symbolic link leading outside the import folder; not followed$/);

  const followed = await collect(root, { followSymlinks: true });
  expect(followed.files.sort()).toEqual(['file-link.png', 'folder-link/secret.png', 'own.png']);
  expect(followed.skipped).toEqual([]);
});

it('judges by real paths: a root reached through a symlink, a sibling with the same prefix', async () => {
  await writeFile(path.join(root, 'own.png'), '');
  await mkdir(`${root}-sibling`);
  await writeFile(`${root}-sibling/near.png`, '');
  await symlink(`${root}-sibling/near.png`, path.join(root, 'near.png'));
  await symlink(root, path.join(base, 'root-alias'));
  const { files, skipped } = await collect(path.join(base, 'root-alias'));
  expect(files).toEqual(['own.png']);
  expect(skipped.map((s) => s.relativePath)).toEqual(['near.png']);
});

it('refuses a root that is not a folder', async () => {
  await writeFile(path.join(root, 'file.png'), '');
  await expect(collect(path.join(root, 'file.png'))).rejects.toThrow(/not a directory/);
});
