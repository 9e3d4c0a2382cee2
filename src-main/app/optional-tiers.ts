// The obfuscated tier's parts of the app. Similar-image search uses an obfuscated-tier
// model (assets/models/obf-*.json, or files given to the service): images of the vault
// that have no embedding for it yet are indexed first (decrypted in memory, obfuscated
// under the model's key, embedded, stored AES-GCM-encrypted — the engine's
// indexObfuscated), then the query's stored embedding is compared with the others. Only a
// model whose classes cover the vault's labels is used (obf-domain.ts); with none there is
// no search, and the screen says why: a result is never invented, and no model from
// another domain ranks the vault's images. The
// security report lives in security-report.ts.
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Tf from '@tensorflow/tfjs';
import { TIER_LABELS } from '../../src-shared/contract/ipc.ts';
import type { IpcResponse, ProgressEvent } from '../../src-shared/contract/ipc.ts';
import type { LoadedObfModel } from '../engine/obf/obf-model-file.ts';
import type { ObfNet } from '../engine/obf/obf-net.ts';
import type { UnlockedVault } from '../engine/vault/vault.ts';
import { AppError } from './renderer-boundary.ts';
import { vaultSecurityReport } from './security-report.ts';

export interface Availability {
  readonly available: boolean;
  readonly reason: string;
}

const MODELS_DIR = fileURLToPath(new URL('../../assets/models/', import.meta.url));
const NO_MODEL =
  'Similar-image search (obfuscated tier) is not available: no obfuscated-tier model is installed (assets/models/obf-*.json; `sealsight obf train` makes one).';
const SECURITY_LOCKED =
  'Unlock a vault: the security report measures the obfuscated tier on the vault’s own images.';

interface ObfEngine {
  readonly tf: typeof Tf;
  readonly loaded: LoadedObfModel;
  readonly net: ObfNet;
}

export class OptionalTiers {
  readonly #explicitModels: readonly string[] | undefined;
  readonly #emit: (event: ProgressEvent) => void;
  #engine: { file: string; promise: Promise<ObfEngine> } | null = null;

  constructor(options: {
    obfModelFiles?: readonly string[];
    emit: (event: ProgressEvent) => void;
  }) {
    this.#explicitModels = options.obfModelFiles;
    this.#emit = options.emit;
  }

  /** Model files, read anew each time (a model may be installed while the app runs). */
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

  /**
   * The first installed model that belongs to the vault (obf-domain.ts), or why none does:
   * a model from another domain is never used, not even as a fallback.
   */
  async #fitting(vault: UnlockedVault): Promise<{ file: string } | { refused: string }> {
    const files = this.#modelFiles();
    if (files.length === 0) return { refused: NO_MODEL };
    const { loadObfModel } = await import('../engine/obf/obf-model-file.ts');
    const { obfModelMismatch, vaultLabels } = await import('../engine/vault/obf-domain.ts');
    const labels = vaultLabels(vault);
    const reasons: string[] = [];
    for (const file of files) {
      const { classes } = (await loadObfModel(file)).file;
      const mismatch = obfModelMismatch(labels, { name: path.basename(file), classes });
      if (mismatch === null) return { file };
      reasons.push(mismatch);
    }
    return {
      refused: `Similar-image search (obfuscated tier) is not available for this vault: ${reasons.join('; ')}. Train an obfuscated-tier model on this vault's labelled images (\`sealsight obf train\`).`,
    };
  }

  async #load(vault: UnlockedVault): Promise<ObfEngine | { refused: string }> {
    const fitting = await this.#fitting(vault);
    if ('refused' in fitting) return fitting;
    const chosen = fitting.file;
    const { loadObfModel, instantiateObfNet } = await import('../engine/obf/obf-model-file.ts');
    const { initTfWasm } = await import('../engine/nn/tf-wasm.ts');
    if (this.#engine?.file !== chosen) {
      this.dispose();
      const promise = (async () => {
        const loaded = await loadObfModel(chosen);
        const tf = await initTfWasm();
        return { tf, loaded, net: instantiateObfNet(tf, loaded, chosen) };
      })();
      this.#engine = { file: chosen, promise };
      promise.catch(() => {
        if (this.#engine?.promise === promise) this.#engine = null;
      });
    }
    return this.#engine!.promise;
  }

  /** With a vault unlocked, whether a model of its domain is installed (and which). */
  async searchAvailability(vault: UnlockedVault | null): Promise<Availability> {
    const files = this.#modelFiles();
    if (files.length === 0) return { available: false, reason: NO_MODEL };
    if (vault) {
      const fitting = await this.#fitting(vault);
      if ('refused' in fitting) return { available: false, reason: fitting.refused };
      return { available: true, reason: `Obfuscated-tier model ${path.basename(fitting.file)}.` };
    }
    return {
      available: true,
      reason: `Obfuscated-tier model ${path.basename(files[0]!)}${files.length > 1 ? ` (+${files.length - 1} more)` : ''}; which one a vault can use is decided when it is unlocked.`,
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
  ): Promise<IpcResponse<'search:similar'>> {
    const engine = await this.#load(vault);
    if ('refused' in engine) throw new AppError('not-available', engine.refused);
    const { indexObfuscated, readObfResults, searchStored, storedResultOf } =
      await import('../engine/vault/obf-embeddings.ts');
    const jobId = `search-${randomUUID()}`;
    const index = await indexObfuscated(vault, engine.tf, engine.loaded, engine.net, {
      onProgress: (p) =>
        this.#emit({
          jobId,
          kind: 'search',
          phase: 'running',
          done: p.done,
          total: p.total,
          etaSeconds: p.etaMs === null ? null : p.etaMs / 1000,
          message: `indexing ${p.done}/${p.total} images in the obfuscated tier`,
        }),
    });
    const stored = readObfResults(vault, engine.loaded.id);
    const { row } = storedResultOf(vault, stored, id);
    const query = stored.results[stored.rows.findIndex((r) => r.id === row.id)]!.embedding;
    const hits = searchStored(vault, stored, query, k, row.uid);
    return {
      tier: 'obfuscated',
      tierLabel: TIER_LABELS.obfuscated,
      query: row.uid,
      modelId: engine.loaded.id,
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

  /** Frees the loaded net (tf memory). */
  dispose(): void {
    const engine = this.#engine;
    this.#engine = null;
    void engine?.promise.then(
      (e) => e.net.model.dispose(),
      () => undefined,
    );
  }
}
