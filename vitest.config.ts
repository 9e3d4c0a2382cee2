import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // The engine, the contract, the CLI, the app service and the benches' own code: plain Node.
        test: {
          name: 'node',
          include: [
            'src-main/**/*.test.ts',
            'src-shared/**/*.test.ts',
            'test/**/*.test.ts',
            'bench/**/*.test.ts',
          ],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        // The React screens, in a DOM (happy-dom) against an in-memory window.api
        // (src-renderer/src/testing). Each test resets that fake and unmounts what it
        // rendered, so the files can share a worker's modules: the suite stays at seconds.
        test: {
          name: 'renderer',
          include: ['src-renderer/**/*.test.tsx'],
          environment: 'happy-dom',
          setupFiles: ['src-renderer/src/testing/setup.ts'],
          pool: 'threads',
          isolate: false,
        },
      },
    ],
  },
});
