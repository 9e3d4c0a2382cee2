// Lint rules that keep the layers honest (see DEVELOPERS.md, "Architecture"):
// - src-shared is pure TypeScript: no node:, no DOM, no Electron.
// - src-main/engine is a plain Node library: never Electron.
// - Only src-main/electron (the shell) imports Electron at all.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import layers from './eslint-rules/layers.js';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'crypto',
  'child_process',
  'worker_threads',
  'stream',
  'url',
  'util',
  'buffer',
  'events',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'test-results/', '.demo/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The whole layer graph and the modules' public faces (eslint-rules/layers.js).
    files: ['src-main/**/*.{ts,tsx}', 'src-shared/**/*.ts', 'src-renderer/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/*.testutil.ts'],
    plugins: { layers },
    rules: { 'layers/allowed-imports': 'error', 'layers/no-deep-import': 'error' },
  },
  {
    // Only the Electron shell may import Electron: the app service, CLI, preview server,
    // renderer, shared code, tests and scripts stay runnable in plain Node / a browser.
    // (Later blocks that set no-restricted-imports for their folder repeat this pattern.)
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    ignores: ['src-main/electron/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // A regex, not a gitignore-style group: '../src-main/electron/build/x.ts'
              // (build helpers that scripts and tests use) is not the Electron package.
              regex: '^electron(/.*)?$',
              message: 'Only src-main/electron/ (the Electron shell) may import Electron.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-shared/**/*.ts'],
    languageOptions: { globals: { ...globals.es2023 } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'src-shared is pure TypeScript: no Node built-ins.' },
            { group: ['electron', 'electron/*'], message: 'src-shared must not import Electron.' },
            {
              group: ['**/src-main/**', '**/src-renderer/**', '../src-main/*', '../src-renderer/*'],
              message: 'src-shared depends on nothing else in the app.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        'window',
        'document',
        'navigator',
        'process',
        'Buffer',
        'require',
        '__dirname',
      ],
    },
  },
  {
    // The React UI talks to the engine only through window.api (the typed IPC contract).
    files: ['src-renderer/**/*.{ts,tsx}'],
    ignores: ['src-renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'The renderer runs in a browser: no Node built-ins.' },
            {
              group: ['electron', 'electron/*'],
              message: 'The renderer never imports Electron: use window.api (the preload bridge).',
            },
            {
              group: ['**/src-main/**', '../src-main/*', '../../src-main/*'],
              message: 'The renderer reaches the engine only through window.api, never src-main.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', '__dirname'],
    },
  },
  {
    files: ['src-main/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', 'electron/*'],
              message: 'The engine is a plain Node library: never import Electron.',
            },
            { group: ['**/src-renderer/**'], message: 'The engine never imports the renderer.' },
          ],
        },
      ],
    },
  },
);
