// The catalogue has one owner: outside this folder and the migrations (the schema's owner),
// no product, benchmark or script file imports better-sqlite3, and nothing outside this
// folder reaches its statements or its file handle. Tests may open the file themselves
// (they play the attacker who edits it on disk).
import { expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../../../../test/helpers/fixtures.ts';

const CATALOGUE_DIR = 'src-main/engine/vault/catalogue/';
const SQL_OWNERS = [CATALOGUE_DIR, 'src-main/engine/vault/migrations/'];
/** This folder's insides: the statements and the raw file (index.ts is its surface). */
const INTERNAL = /from\s+['"][^'"]*catalogue\/(sql|catalogue-file)\.ts['"]/;
const SQLITE = /(from\s+|import\(\s*|require\(\s*)['"]better-sqlite3['"]/;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(REPO_ROOT, dir), {
    recursive: true,
    withFileTypes: true,
  });
  return entries
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name))
    .map((e) => path.relative(REPO_ROOT, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((file) => !file.includes('node_modules/'));
}

it('leaves SQL to the catalogue repository and the migrations', async () => {
  const files = (
    await Promise.all(
      ['src-main', 'src-shared', 'src-renderer', 'bench', 'scripts'].map(sourceFiles),
    )
  ).flat();
  expect(files).toContain(`${CATALOGUE_DIR}catalogue.ts`);
  const offenders: string[] = [];
  for (const file of files) {
    const text = await readFile(path.join(REPO_ROOT, file), 'utf8');
    if (SQLITE.test(text) && !SQL_OWNERS.some((owner) => file.startsWith(owner)))
      offenders.push(`${file} imports better-sqlite3`);
    if (INTERNAL.test(text) && !file.startsWith(CATALOGUE_DIR))
      offenders.push(`${file} reaches inside the catalogue repository`);
  }
  expect(offenders).toEqual([]);
});
