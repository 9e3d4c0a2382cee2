import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { rewriteImportMetaUrls } from './bundle.ts';

const REPO = path.resolve('/repo');
const OUT = path.join(REPO, 'dist', 'electron');

describe('rewriteImportMetaUrls', () => {
  it('turns worker module URLs into sibling bundles and reports them', () => {
    const source = path.join(REPO, 'src-main', 'engine', 'vault', 'import-folder.ts');
    const { code, workers } = rewriteImportMetaUrls(
      "pool(new URL('./import-worker.ts', import.meta.url), 2);\n" +
        'new URL(\n  "../he/evaluation-worker.ts",\n  import.meta.url\n)',
      source,
      OUT,
    );
    expect(code).toBe(
      'pool(new URL("./import-worker.js", import.meta.url), 2);\n' +
        'new URL("./evaluation-worker.js", import.meta.url)',
    );
    expect([...workers]).toEqual([
      [path.join(REPO, 'src-main', 'engine', 'vault', 'import-worker.ts'), 'import-worker.js'],
      [path.join(REPO, 'src-main', 'engine', 'he', 'evaluation-worker.ts'), 'evaluation-worker.js'],
    ]);
  });

  it('re-bases data file and folder URLs from the source folder to the bundle folder', () => {
    const source = path.join(REPO, 'src-main', 'app', 'app-service.ts');
    const { code, workers } = rewriteImportMetaUrls(
      "new URL('../../assets/models/neu-chunk-cnn.json', import.meta.url);\n" +
        "new URL('../../assets/samples/', import.meta.url);",
      source,
      OUT,
    );
    expect(code).toBe(
      'new URL("../../assets/models/neu-chunk-cnn.json", import.meta.url);\n' +
        'new URL("../../assets/samples/", import.meta.url);',
    );
    expect(workers.size).toBe(0);
    // Same files from a deeper source folder resolve to the same bundle-relative URL.
    const deeper = rewriteImportMetaUrls(
      "new URL('../../../../assets/models/x.json', import.meta.url)",
      path.join(REPO, 'src-main', 'engine', 'nn', 'deep', 'file.ts'),
      OUT,
    );
    expect(deeper.code).toBe('new URL("../../assets/models/x.json", import.meta.url)');
  });

  it('leaves other URLs and non-literal specs alone', () => {
    const code = [
      "new URL('https://example.org/x')",
      'new URL(spec, import.meta.url)',
      "new URL('node:fs', import.meta.url)",
      'import.meta.url',
    ].join('\n');
    expect(rewriteImportMetaUrls(code, path.join(REPO, 'a.ts'), OUT).code).toBe(code);
  });
});
