// The repository's file-level import graph (relative, value imports only: a type-only
// import is erased and cannot make a cycle at run time), and the cycles in a graph.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './fixtures.ts';

const VALUE_IMPORT = /^(?:import|export)(?!\s+type\b)[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/gm;

/** file → the files it imports, for the tracked product sources under `folders`. */
export function importGraph(folders: readonly string[]): Map<string, string[]> {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', ...folders], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$|\.testutil\.ts$/.test(f));
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
      const targets = [...text.matchAll(VALUE_IMPORT)]
        .map((m) => path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!)))
        .filter((target) => known.has(target));
      return [file, targets];
    }),
  );
}

/** The strongly connected components with more than one node, or a self-import (Tarjan). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}
