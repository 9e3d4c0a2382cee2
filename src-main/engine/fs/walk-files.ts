// Recursive directory walk that stays inside the folder it was given. A folder to
// import may come from someone else (an unpacked archive, a shared drive), and a
// symbolic link in it can point anywhere the user can read (~/.ssh, another vault's
// export): so every entry's real path must lie under the root's real path, unless the
// caller opts in with `followSymlinks`. Links are never looped: every directory is
// identified by (device, inode) and visited at most once. Entries left out for a
// reason a person should know about (a link leaving the root, a broken link, a device
// or pipe) are reported through `onSkip`, not dropped silently.
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** Which file a path named when it was walked: readers check they opened the same one. */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
}

export interface WalkedFile {
  readonly absolutePath: string;
  /** Path relative to the walk root, with forward slashes. */
  readonly relativePath: string;
  /** The file's real path (no symbolic link in it), checked against the root when walked. */
  readonly realPath: string;
  readonly identity: FileIdentity;
}

export interface SkippedEntry {
  readonly relativePath: string;
  readonly reason: string;
}

export interface WalkOptions {
  /** Follow symbolic links that lead outside the root (default false: report and skip them). */
  readonly followSymlinks?: boolean;
  readonly onSkip?: (skipped: SkippedEntry) => void;
}

export async function* walkFiles(
  root: string,
  options: WalkOptions = {},
): AsyncGenerator<WalkedFile> {
  const rootReal = await realpath(root);
  const rootStat = await stat(rootReal, { bigint: true });
  if (!rootStat.isDirectory()) throw new Error(`${root}: not a directory`);
  const inside = (real: string) =>
    real === rootReal ||
    real.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep);
  const skip = (relativePath: string, reason: string) => options.onSkip?.({ relativePath, reason });
  const visited = new Set<string>([`${rootStat.dev}:${rootStat.ino}`]);
  // Each folder is queued with its real path, so a plain entry's real path is just a join.
  const pending: Array<{ dir: string; real: string }> = [{ dir: root, real: rootReal }];
  while (pending.length > 0) {
    const { dir, real: dirReal } = pending.shift()!;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const absolutePath = path.join(dir, entry.name);
      const relativePath = path.relative(root, absolutePath).split(path.sep).join('/');
      let real = path.join(dirReal, entry.name);
      if (entry.isSymbolicLink()) {
        const target = await realpath(absolutePath).catch(() => null);
        if (target === null) {
          skip(relativePath, 'broken or looping symbolic link');
          continue;
        }
        if (!inside(target) && options.followSymlinks !== true) {
          skip(relativePath, 'symbolic link leading outside the import folder; not followed');
          continue;
        }
        real = target;
      }
      const s = await stat(real, { bigint: true }).catch(() => null);
      if (s === null) continue; // vanished since readdir
      if (s.isDirectory()) {
        const id = `${s.dev}:${s.ino}`;
        if (visited.has(id)) continue; // a loop, or a second way into a visited folder
        visited.add(id);
        pending.push({ dir: absolutePath, real });
      } else if (s.isFile()) {
        yield { absolutePath, relativePath, realPath: real, identity: { dev: s.dev, ino: s.ino } };
      } else {
        skip(relativePath, 'not a regular file (device, pipe or socket)');
      }
    }
  }
}
