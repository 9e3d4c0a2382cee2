// The obfuscated tier's parts of the app. Similar-image search uses an obfuscated-tier
// model that belongs to the vault (vault/obfuscated/obf-model-choice.ts): the newest one trained on
// the vault itself (Train search model, obf-training.ts), else an installed model file whose
// classes cover the vault's labels. A model from another domain is never used: with none,
// there is no search and the screen says why — a result is never invented.
// Indexing (images without an embedding yet) is a job with progress and cancel; the net
// runs in a worker thread (obf-embedder.ts), so the main thread only decrypts, obfuscates
// under the vault's key and stores the encrypted embeddings. The security report lives in
// security-report.ts.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TIER_LABELS } from '../../src-shared/contract/ipc.ts';
import type { IpcResponse } from '../../src-shared/contract/ipc.ts';
import type { ObfEmbedder } from '../engine/obfuscated-tier.ts';
import type { LoadedObfModel, UnlockedVault } from '../engine/index.ts';
import type { JobContext } from './jobs.ts';
import { AppError } from './renderer-boundary.ts';
import { vaultSecurityReport } from './security-report.ts';

export interface Availability {
  readonly available: boolean;
  readonly reason: string;
}

/** Runtime models the installer ships; demo models (measurement only) live elsewhere. */
const MODELS_DIR = fileURLToPath(new URL('../../assets/models/', import.meta.url));
const SECURITY_LOCKED =
  'Unlock a vault: the security report measures the obfuscated tier on the vault’s own images.';

export class OptionalTiers {
  readonly #explicitModels: readonly string[] | undefined;
  /** One embedding worker, kept for the model last used (its net stays loaded). */
  #embedder: { modelId: string; embedder: ObfEmbedder } | null = null;

  constructor(options: { obfModelFiles?: readonly string[] }) {
    this.#explicitModels = options.obfModelFiles;
  }

  /** Installed model files, read anew each time (a model may be installed while the app runs). */
  #modelFiles(): string[] {
    if (this.#explicitModels) return [...this.#explicitModels];
    try {
      return readdirSync(MODELS_DIR)
        .filter((f) => /^obf-.*\.json$/.test(f))
        .sort()
        .map((f) => path.join(MODELS_DIR, f));
    } catch {
      return [];
    }
  }

  async #choose(vault: UnlockedVault) {
    const { chooseObfModel } = await import('../engine/obfuscated-tier.ts');
    return chooseObfModel(vault, this.#modelFiles());
  }

  async #embedderFor(model: LoadedObfModel): Promise<ObfEmbedder> {
    if (this.#embedder?.modelId === model.id) return this.#embedder.embedder;
    await this.dispose();
    const { workerEmbedder } = await import('../engine/obfuscated-tier.ts');
    const embedder = workerEmbedder(model);
    this.#embedder = { modelId: model.id, embedder };
    return embedder;
  }

  /** With a vault unlocked, whether a model of its domain exists (and which). */
  async searchAvailability(vault: UnlockedVault | null): Promise<Availability> {
    if (!vault)
      return {
        available: false,
        reason:
          'Unlock a vault: search uses an obfuscated-tier model of the vault’s own domain (trained on it, or installed).',
      };
    const chosen = await this.#choose(vault);
    if ('refused' in chosen)
      return {
        available: false,
        reason: `Similar-image search is not available: ${chosen.refused}`,
      };
    return {
      available: true,
      reason: `Obfuscated-tier model: ${chosen.name}${chosen.trainedOnVault ? ' (trained on this vault, under its own key)' : ''}.`,
    };
  }

  async securityAvailability(): Promise<Availability> {
    return {
      available: true,
      reason:
        'Obfuscated-tier measurements on the vault’s images (entropy, correlation, NPCR, chosen-plaintext attacks).',
    };
  }

  async similar(
    vault: UnlockedVault,
    id: string,
    k: number,
    ctx: JobContext,
  ): Promise<IpcResponse<'search:similar'>> {
    const chosen = await this.#choose(vault);
    if ('refused' in chosen)
      throw new AppError(
        'not-available',
        `Similar-image search is not available: ${chosen.refused}`,
      );
    const { model } = chosen;
    const { indexObfuscated, readObfResults, searchStored, storedResultOf } =
      await import('../engine/obfuscated-tier.ts');
    const embedder = await this.#embedderFor(model);
    const index = await indexObfuscated(vault, model, embedder, {
      signal: ctx.signal,
      onProgress: (p) =>
        ctx.progress(
          p.done,
          p.total,
          p.etaMs,
          `indexing ${p.done}/${p.total} images in the obfuscated tier`,
        ),
    });
    if (index.cancelled) throw new AppError('cancelled', 'search cancelled while indexing');
    const stored = await readObfResults(vault, model.id);
    const { row } = storedResultOf(vault, stored, id);
    const query = stored.results[stored.rows.findIndex((r) => r.id === row.id)]!.embedding;
    const hits = searchStored(vault, stored, query, k, row.uid);
    return {
      tier: 'obfuscated',
      tierLabel: TIER_LABELS.obfuscated,
      query: row.uid,
      modelId: model.id,
      newlyIndexed: index.indexed.length,
      results: hits.map((h) => ({
        id: h.id,
        name: h.name,
        label: h.label,
        predicted: h.predicted,
        distance: Math.max(0, 1 - h.similarity),
      })),
    };
  }

  async securityReport(vault: UnlockedVault | null): Promise<IpcResponse<'security:report'>> {
    if (vault) return vaultSecurityReport(vault);
    return {
      available: false,
      reason: SECURITY_LOCKED,
      tierLabel: TIER_LABELS.obfuscated,
      figures: [],
      histograms: [],
    };
  }

  /** Stops the embedding worker (its net and tf memory go with it). */
  async dispose(): Promise<void> {
    const current = this.#embedder;
    this.#embedder = null;
    await current?.embedder.dispose();
  }
}
