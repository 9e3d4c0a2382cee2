#!/usr/bin/env node
// Launcher for the `sealsight` CLI. The engine needs Node 24 (node-seal 7,
// better-sqlite3 13, native TypeScript type stripping); the project pins it as a
// devDependency. If started by an older node, re-run under the pinned one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
const entry = fileURLToPath(new URL('../src-main/cli/main.ts', import.meta.url));

if (major >= 24) {
  await import(entry);
} else {
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    process.stderr.write(`sealsight: needs Node 24 (found ${process.version}); run npm install\n`);
    process.exit(1);
  }
  const { status, signal } = spawnSync(pinned, [entry, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(status ?? (signal ? 128 + 1 : 1));
}
