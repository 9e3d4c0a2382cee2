// Recursive directory walk that follows symlinks but never loops: every directory
// is identified by (device, inode) and visited at most once.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface WalkedFile {
  readonly absolutePath: string;
  /** Path relative to the walk root, with forward slashes. */
  readonly relativePath: string;
}

export async function* walkFiles(root: string): AsyncGenerator<WalkedFile> {
  const rootStat = await stat(root);
  if (!rootStat.isDirectory()) throw new Error(`${root}: not a directory`);
  const visited = new Set<string>([`${rootStat.dev}:${rootStat.ino}`]);
  const pending: string[] = [root];
  while (pending.length > 0) {
    const dir = pending.shift()!;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const absolutePath = path.join(dir, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(absolutePath).catch(() => null); // dangling link: skip
        if (!target) continue;
        isDirectory = target.isDirectory();
        isFile = target.isFile();
        if (isDirectory) {
          const id = `${target.dev}:${target.ino}`;
          if (visited.has(id)) continue; // a loop, or a second way into a visited folder
          visited.add(id);
        }
      } else if (isDirectory) {
        const s = await stat(absolutePath);
        const id = `${s.dev}:${s.ino}`;
        if (visited.has(id)) continue;
        visited.add(id);
      }
      if (isDirectory) pending.push(absolutePath);
      else if (isFile) {
        yield {
          absolutePath,
          relativePath: path.relative(root, absolutePath).split(path.sep).join('/'),
        };
      }
    }
  }
}
