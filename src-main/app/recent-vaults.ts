// The list of recently opened vault folders (paths and times only — no secrets), kept
// in the app's state folder so the Vault screen can offer them.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

const RecentSchema = z.array(z.object({ dir: z.string(), lastOpened: z.string() }));
export type RecentVault = z.infer<typeof RecentSchema>[number];
const MAX_RECENT = 10;

export class RecentVaults {
  readonly #file: string;

  constructor(stateDir: string) {
    this.#file = path.join(stateDir, 'recent-vaults.json');
  }

  async list(): Promise<RecentVault[]> {
    try {
      const parsed = RecentSchema.safeParse(JSON.parse(await readFile(this.#file, 'utf8')));
      return parsed.success ? parsed.data.slice(0, MAX_RECENT) : [];
    } catch {
      return []; // missing or unreadable: start afresh rather than block the app
    }
  }

  async remember(dir: string): Promise<void> {
    const others = (await this.list()).filter((r) => r.dir !== dir);
    const next = [{ dir, lastOpened: new Date().toISOString() }, ...others].slice(0, MAX_RECENT);
    await mkdir(path.dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.tmp`;
    await writeFile(tmp, JSON.stringify(next, null, 2), { mode: 0o600 });
    await rename(tmp, this.#file);
  }
}
