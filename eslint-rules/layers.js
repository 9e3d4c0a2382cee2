// The layer graph, declared once and enforced by lint: which folder of the code base may
// import which (VS Code's code-layering, at our size), and which folders are modules with
// a public index.ts that outsiders must import through. Folders not named here belong
// to their nearest named parent. The declared graph is acyclic (test/layer-rules.test.ts
// checks it and that each rule fires), so no two folders can import each other.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const E = 'src-main/engine';

/** Folder → the folders it may import (besides itself). `X/**`: X and every folder in it. */
export const LAYERS = {
  'src-shared': [],
  'src-renderer': ['src-shared'],
  [`${E}/fs`]: [],
  [`${E}/workers`]: [],
  [`${E}/crypto`]: ['src-shared'],
  [`${E}/metrics`]: [],
  [`${E}/report`]: [],
  [`${E}/image`]: ['src-shared', `${E}/fs`],
  [`${E}/ml`]: [],
  [`${E}/sealed/model`]: ['src-shared', `${E}/ml`],
  [`${E}/sealed/ckks`]: ['src-shared', `${E}/sealed/model`],
  [`${E}/sealed/layouts/blocks`]: [
    'src-shared',
    `${E}/ml`,
    `${E}/sealed/model`,
    `${E}/sealed/ckks`,
  ],
  [`${E}/sealed/layouts/lanes`]: [
    'src-shared',
    `${E}/ml`,
    `${E}/sealed/model`,
    `${E}/sealed/ckks`,
    `${E}/workers`,
  ],
  [`${E}/sealed/layouts`]: [
    'src-shared',
    `${E}/ml`,
    `${E}/sealed/model`,
    `${E}/sealed/ckks`,
    `${E}/sealed/layouts/blocks`,
    `${E}/sealed/layouts/lanes`,
  ],
  [`${E}/sealed/train`]: [
    'src-shared',
    `${E}/fs`,
    `${E}/image`,
    `${E}/ml`,
    `${E}/workers`,
    `${E}/sealed/model`,
    `${E}/sealed/ckks`,
    `${E}/sealed/layouts/blocks`,
  ],
  [`${E}/sealed/inference`]: [
    'src-shared',
    `${E}/fs`,
    `${E}/image`,
    `${E}/metrics`,
    `${E}/ml`,
    `${E}/workers`,
    `${E}/sealed/model`,
    `${E}/sealed/ckks`,
    `${E}/sealed/layouts/**`,
    `${E}/sealed/train`,
  ],
  [`${E}/obfuscated`]: [
    'src-shared',
    `${E}/crypto`,
    `${E}/fs`,
    `${E}/image`,
    `${E}/metrics`,
    `${E}/ml`,
    `${E}/workers`,
  ],
  [`${E}/obfuscated/analysis`]: [
    'src-shared',
    `${E}/fs`,
    `${E}/image`,
    `${E}/report`,
    `${E}/obfuscated`,
  ],
  [`${E}/farm`]: ['src-shared', `${E}/fs`, `${E}/workers`, `${E}/sealed/**`],
  [`${E}/vault`]: [
    'src-shared',
    `${E}/crypto`,
    `${E}/farm`,
    `${E}/fs`,
    `${E}/image`,
    `${E}/metrics`,
    `${E}/ml`,
    `${E}/workers`,
    `${E}/sealed/**`,
    `${E}/obfuscated`,
  ],
  // The engine's public API (index.ts) re-exports from any of its folders.
  [E]: [`${E}/**`, 'src-shared'],
  'src-main/app': [`${E}/**`, 'src-shared'],
  'src-main/cli': [`${E}/**`, 'src-main/app', 'src-shared'],
  'src-main/preview': [`${E}/**`, 'src-main/app', 'src-shared'],
  'src-main/electron': [`${E}/**`, 'src-main/app', 'src-shared'],
};

/**
 * Folders whose index.ts is their public face: code outside them imports only that (or
 * another file listed as a face). farm/broker-url.ts is the farm's light face: the vault
 * names a broker with it without loading the broker client (BullMQ, ioredis).
 */
export const INDEXED_MODULES = {
  // The engine as a whole: the app, CLI, preview server and shell import its index, the
  // tfjs tiers' faces (loaded on demand) or the farm's two faces, never a file inside.
  [E]: [
    'index.ts',
    'obfuscated-tier.ts',
    'sealed-training.ts',
    'farm/index.ts',
    'farm/broker-url.ts',
  ],
  [`${E}/crypto`]: ['index.ts'],
  [`${E}/farm`]: ['index.ts', 'broker-url.ts'],
  [`${E}/image`]: ['index.ts'],
  [`${E}/vault/catalogue`]: ['index.ts'],
  [`${E}/vault/migrations`]: ['index.ts'],
};

const posix = (p) => p.split(path.sep).join('/');
const within = (file, folder) => file === folder || file.startsWith(`${folder}/`);

/** The declared folder a repository path belongs to (the longest match), or null. */
export function layerOf(repoPath) {
  let best = null;
  for (const folder of Object.keys(LAYERS))
    if (within(repoPath, folder) && (!best || folder.length > best.length)) best = folder;
  return best;
}

export function mayImport(from, to) {
  if (from === to) return true;
  return LAYERS[from].some((allowed) =>
    allowed.endsWith('/**') ? within(to, allowed.slice(0, -3)) : to === allowed,
  );
}

/** The relative import's target as a repository path, or null for a package. */
function targetOf(context, source) {
  if (!source.startsWith('.')) return null;
  return posix(path.relative(ROOT, path.resolve(path.dirname(context.filename), source)));
}

function checkImports(context, check) {
  const visit = (node) => {
    if (node.source && typeof node.source.value === 'string') check(node.source, node.source.value);
  };
  return {
    ImportDeclaration: visit,
    ExportNamedDeclaration: visit,
    ExportAllDeclaration: visit,
    ImportExpression: visit,
  };
}

const allowedImports = {
  meta: {
    type: 'problem',
    docs: { description: 'imports only what the declared layer graph allows' },
    schema: [],
  },
  create(context) {
    const file = posix(path.relative(ROOT, context.filename));
    const from = layerOf(file);
    if (!from) return {};
    return checkImports(context, (node, source) => {
      const target = targetOf(context, source);
      if (!target) return;
      const to = layerOf(target);
      if (!to || mayImport(from, to)) return;
      context.report({
        node,
        message: `${from}/ may not import ${to}/ (the layer graph in eslint-rules/layers.js)`,
      });
    });
  },
};

const noDeepImport = {
  meta: {
    type: 'problem',
    docs: { description: 'imports a module with an index.ts only through it, from outside' },
    schema: [],
  },
  create(context) {
    const file = posix(path.relative(ROOT, context.filename));
    return checkImports(context, (node, source) => {
      const target = targetOf(context, source);
      if (!target) return;
      // Every module that holds the target and not the importer (the engine and its farm,
      // say) must be entered through one of its faces.
      for (const module of Object.keys(INDEXED_MODULES)) {
        if (!within(target, module) || within(file, module)) continue;
        const faces = INDEXED_MODULES[module];
        if (faces.some((face) => target === `${module}/${face}`)) continue;
        context.report({
          node,
          message: `import ${module}/ through ${faces.join(' or ')}, not ${target.slice(module.length + 1)}`,
        });
        return;
      }
    });
  },
};

export default { rules: { 'allowed-imports': allowedImports, 'no-deep-import': noDeepImport } };
