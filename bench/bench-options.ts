// `--name value` options of `npm run bench -- <bench> …`, shared by the benches.
import { fileURLToPath } from 'node:url';

/** The full NEU-CLS development split beside the project: the benches' default data. */
export const NEU_DIR = fileURLToPath(new URL('../../shared/datasets/neu-cls', import.meta.url));

export function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
