// The application service behind the desktop UI, shell-independent (plain Node, no
// Electron): the Electron ipcMain handlers and the preview server both call
// `handle(channel, payload)`. It owns the unlocked vault (one at a time), locks it on
// request and after an idle period, and runs import / classification / training as
// cancellable jobs off the main thread with progress events.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NEU_CLASSES } from '../../src-shared/domain/classes.ts';
import { TIER_LABELS } from '../../src-shared/contract/ipc.ts';
import type {
  GalleryItem,
  IpcChannel,
  IpcResponse,
  ModelInfo,
  ProgressEvent,
  VaultStatus,
} from '../../src-shared/contract/ipc.ts';
import type { KdfParams } from '../engine/crypto/index.ts';
import { galleryListing, isGalleryError } from '../engine/vault/gallery.ts';
import type { GalleryEntry, GalleryError } from '../engine/vault/gallery.ts';
import { reviewCsv } from '../engine/vault/review-csv.ts';
import { setImageLabel, setReviewed } from '../engine/vault/review-state.ts';
import { listVaultModels, loadVaultModel } from '../engine/vault/vault-models.ts';
import { initVault, openVault } from '../engine/vault/vault.ts';
import type { UnlockedVault } from '../engine/vault/vault.ts';
import { loadModel } from '../engine/nn/model-file.ts';
import type { LoadedModel } from '../engine/nn/model-file.ts';
import type { EvaluationSettingChange } from '../../src-shared/contract/evaluation-setting.ts';
import { getEvaluationSetting, setEvaluationSetting } from './evaluation-place.ts';
import { AppError, checkResponse, parseRequest } from './renderer-boundary.ts';
import { JobBusyError, Jobs } from './jobs.ts';
import { trainSearchModel } from './obf-training.ts';
import { OptionalTiers } from './optional-tiers.ts';
import { RecentVaults } from './recent-vaults.ts';
import { thumbnailDataUrl } from './thumbnails.ts';
import { CancelledError } from './vault-training.ts';
import {
  classifyJob,
  classifyOutcome,
  importJob,
  importOutcome,
  modelEvaluation,
  trainJob,
  trainOutcome,
} from './vault-jobs.ts';

export const SHIPPED_MODEL_FILE = fileURLToPath(
  new URL('../../assets/models/neu-chunk-cnn.json', import.meta.url),
);

export interface AppServiceOptions {
  /** Folder for app state that holds no secret (the recent-vaults list). */
  readonly stateDir: string;
  /** Lock after this many ms without a request (default 10 min; 0 = never). */
  readonly idleLockMs?: number;
  /** Worker threads for import and HE (default: all cores). */
  readonly workers?: number;
  /** KDF cost override for new vaults (tests only; the default is the production cost). */
  readonly kdf?: Partial<KdfParams>;
  readonly shippedModelFile?: string;
  /**
   * A native folder dialog, injected by the shell (Electron's dialog.showOpenDialog).
   * Without it `dialog:choose-folder` is not available and the UI asks for a typed path.
   */
  readonly chooseFolder?: (purpose: 'vault' | 'import') => Promise<string | null>;
  /** Installed obfuscated-tier model files for search (default: assets/models/obf-*.json). */
  readonly obfModelFiles?: readonly string[];
}

export interface AppService {
  /** Validates the payload, runs the channel, validates the response (renderer-boundary.ts). */
  handle(channel: string, payload: unknown): Promise<unknown>;
  onProgress(listener: (event: ProgressEvent) => void): () => void;
  dispose(): Promise<void>;
}

/** Requests that do not count as user activity (the UI polls them). */
const PASSIVE: ReadonlySet<IpcChannel> = new Set(['vault:status', 'app:info']);

export function createAppService(options: AppServiceOptions): AppService {
  return new Service(options);
}

class Service implements AppService {
  readonly #options: AppServiceOptions;
  readonly #listeners = new Set<(event: ProgressEvent) => void>();
  readonly #jobs = new Jobs((event) => this.#emit(event));
  readonly #recent: RecentVaults;
  readonly #tiers: OptionalTiers;
  readonly #idleLockMs: number;
  #vault: UnlockedVault | null = null;
  #lockedReason: VaultStatus['lockedReason'] = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #shippedModel: Promise<LoadedModel> | null = null;
  #transition: Promise<unknown> = Promise.resolve();

  constructor(options: AppServiceOptions) {
    this.#options = options;
    this.#recent = new RecentVaults(options.stateDir);
    this.#tiers = new OptionalTiers(
      options.obfModelFiles ? { obfModelFiles: options.obfModelFiles } : {},
    );
    this.#idleLockMs = options.idleLockMs ?? 10 * 60_000;
  }

  async handle(channelName: string, payload: unknown): Promise<unknown> {
    const { channel, request } = parseRequest(channelName, payload);
    if (!PASSIVE.has(channel)) this.#touch();
    try {
      return checkResponse(channel, await this.#dispatch(channel, request));
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof CancelledError) throw new AppError('cancelled', error.message);
      if (error instanceof JobBusyError) throw new AppError('failed', error.message);
      throw error;
    } finally {
      if (!PASSIVE.has(channel)) this.#touch();
    }
  }

  onProgress(listener: (event: ProgressEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async dispose(): Promise<void> {
    await this.#lock('user');
    this.#listeners.clear();
  }

  #emit(event: ProgressEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  // ------------------------------------------------------------ lock state

  #touch(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    if (this.#idleLockMs <= 0 || !this.#vault) return;
    this.#idleTimer = setTimeout(() => {
      // A running job is activity: look again later rather than cut it off.
      if (this.#jobs.busy) this.#touch();
      else void this.#serial(() => this.#lock('idle'));
    }, this.#idleLockMs);
    this.#idleTimer.unref();
  }

  /** Vault transitions (create / unlock / lock) run one at a time. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#transition.then(fn, fn);
    this.#transition = next.catch(() => undefined);
    return next;
  }

  async #lock(reason: 'user' | 'idle' | 'error'): Promise<void> {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    await this.#jobs.cancelAll();
    // The embedding worker holds a net that may have been trained on the vault's images.
    await this.#tiers.dispose();
    if (this.#vault) {
      this.#vault.close();
      this.#vault = null;
      this.#lockedReason = reason;
    }
  }

  #requireVault(): UnlockedVault {
    if (!this.#vault) throw new AppError('locked', 'the vault is locked: unlock it first');
    return this.#vault;
  }

  async #status(): Promise<VaultStatus> {
    const vault = this.#vault;
    return {
      state: vault ? 'unlocked' : 'locked',
      dir: vault?.dir ?? null,
      imageCount: vault
        ? (vault.db.prepare('SELECT count(*) FROM images').pluck().get() as number)
        : 0,
      idleLockSeconds: Math.round(this.#idleLockMs / 1000),
      lockedReason: vault ? null : this.#lockedReason,
      headerRestoredFromBackup: vault?.headerSource === 'backup',
      recent: await this.#recent.list(),
    };
  }

  // ------------------------------------------------------------ channels

  async #dispatch(channel: IpcChannel, r: Record<string, unknown>): Promise<unknown> {
    switch (channel) {
      case 'app:info':
        return {
          version: appVersion(),
          classes: [...NEU_CLASSES],
          tierLabels: { ...TIER_LABELS },
          search: await this.#tiers.searchAvailability(this.#vault),
          security: await this.#tiers.securityAvailability(),
          folderPicker: this.#options.chooseFolder !== undefined,
        };
      case 'dialog:choose-folder': {
        const choose = this.#options.chooseFolder;
        if (!choose)
          throw new AppError('not-available', 'no folder dialog here: type the folder’s path');
        return { path: await choose(r.purpose as 'vault' | 'import') };
      }
      case 'vault:status':
        return this.#status();
      case 'vault:create':
        return this.#serial(async () => {
          const dir = path.resolve(r.dir as string);
          await this.#lock('user');
          await initVault(dir, r.passphrase as string, { kdf: this.#options.kdf });
          this.#vault = await openVault(dir, r.passphrase as string);
          await this.#recent.remember(dir);
          return this.#status();
        });
      case 'vault:unlock':
        return this.#serial(async () => {
          const dir = path.resolve(r.dir as string);
          await this.#lock('user');
          this.#vault = await openVault(dir, r.passphrase as string);
          await this.#recent.remember(dir);
          return this.#status();
        });
      case 'vault:lock':
        return this.#serial(async () => {
          await this.#lock('user');
          return this.#status();
        });
      case 'import:run':
        return this.#jobs.run(
          r.jobId as string,
          'import',
          (ctx) => importJob(this.#requireVault(), r, this.#options.workers, ctx),
          importOutcome,
        );
      case 'images:list':
        return { items: galleryListing(this.#requireVault()).map(toGalleryItem) };
      case 'images:thumbnail':
        return {
          id: r.id,
          dataUrl: await thumbnailDataUrl(this.#requireVault(), r.id as string, r.size as number),
        };
      case 'classify:run': {
        const vault = this.#requireVault();
        const model = await this.#model(vault, r.modelId as string | null);
        return this.#jobs.run(
          r.jobId as string,
          'classify',
          (ctx) => classifyJob(vault, model, this.#options.workers, ctx),
          classifyOutcome,
        );
      }
      case 'evaluation:get':
        return getEvaluationSetting(this.#requireVault());
      case 'evaluation:set':
        return setEvaluationSetting(this.#requireVault(), r.setting as EvaluationSettingChange);
      case 'review:set-label': {
        const vault = this.#requireVault();
        setImageLabel(vault, r.id as string, r.label as string | null);
        return this.#galleryItem(vault, r.id as string);
      }
      case 'review:set-reviewed': {
        const vault = this.#requireVault();
        setReviewed(vault, r.id as string, r.reviewed as boolean);
        return this.#galleryItem(vault, r.id as string);
      }
      case 'review:export-csv': {
        const { csv, rows } = reviewCsv(this.#requireVault());
        const stamp = new Date().toISOString().slice(0, 10);
        return { fileName: `sealsight-review-${stamp}.csv`, rows, csv };
      }
      case 'model:list':
        return { models: await this.#models(this.#requireVault()) };
      case 'model:train': {
        const vault = this.#requireVault();
        return this.#jobs.run(
          r.jobId as string,
          'train',
          (ctx) => trainJob(vault, r, ctx),
          trainOutcome,
        );
      }
      case 'model:evaluate': {
        const vault = this.#requireVault();
        return modelEvaluation(vault, await this.#model(vault, r.modelId as string | null));
      }
      case 'search:similar': {
        const vault = this.#requireVault();
        return this.#jobs.run(
          r.jobId as string,
          'search',
          (ctx) => this.#tiers.similar(vault, r.id as string, r.k as number, ctx),
          (result) => ({
            cancelled: false,
            message: `${result.results.length} similar images (${result.newlyIndexed} newly indexed)`,
          }),
        );
      }
      case 'search:train-model': {
        const vault = this.#requireVault();
        return this.#jobs.run(
          r.jobId as string,
          'train',
          (ctx) =>
            trainSearchModel(
              vault,
              {
                epochs: r.epochs as number,
                validationFraction: r.validationFraction as number,
              },
              ctx,
            ),
          (report) => ({
            cancelled: false,
            message: `search model ${report.modelId} trained on ${report.images.train} images and stored in the vault`,
          }),
        );
      }
      case 'security:report':
        return this.#tiers.securityReport(this.#vault);
      case 'job:cancel':
        return { cancelled: this.#jobs.cancel(r.jobId as string) };
    }
  }

  #galleryItem(vault: UnlockedVault, id: string): GalleryItem {
    const entry = galleryListing(vault).find((e) => e.id === id);
    if (!entry) throw new AppError('failed', `no image with id ${id}`);
    return toGalleryItem(entry);
  }

  #shipped(): Promise<LoadedModel> {
    this.#shippedModel ??= loadModel(this.#options.shippedModelFile ?? SHIPPED_MODEL_FILE);
    return this.#shippedModel;
  }

  async #model(vault: UnlockedVault, modelId: string | null): Promise<LoadedModel> {
    const shipped = await this.#shipped();
    if (modelId === null || modelId === shipped.id) return shipped;
    const model = loadVaultModel(vault, modelId);
    if (!model) throw new AppError('failed', `no model ${modelId} in this vault`);
    return model;
  }

  async #models(vault: UnlockedVault): Promise<ModelInfo[]> {
    const shipped = await this.#shipped();
    return [
      modelInfo(shipped, 'shipped', 'NEU-CLS steel defects (shipped)', null),
      ...listVaultModels(vault).map(({ model, createdAt }) =>
        modelInfo(
          model,
          'vault',
          `trained on this vault ${createdAt.slice(0, 16).replace('T', ' ')}`,
          createdAt,
        ),
      ),
    ];
  }
}

function modelInfo(
  model: LoadedModel,
  source: ModelInfo['source'],
  name: string,
  createdAt: string | null,
): ModelInfo {
  const validation = model.file.provenance.validation as
    { imageAccuracy?: unknown } | null | undefined;
  return {
    id: model.id,
    name,
    source,
    classes: [...model.file.classes],
    members: model.members.length,
    validationAccuracy:
      typeof validation?.imageAccuracy === 'number' ? validation.imageAccuracy : null,
    createdAt,
  };
}

function toGalleryItem(entry: GalleryEntry | GalleryError): GalleryItem {
  if (isGalleryError(entry)) {
    const { id, error, reviewed, importedAt } = entry;
    return { id, error, reviewed, importedAt };
  }
  const { summary } = entry;
  return {
    id: summary.id,
    name: summary.name,
    label: summary.label,
    reviewed: entry.reviewed,
    prediction: entry.prediction ? { ...entry.prediction } : null,
    importedAt: summary.importedAt,
    threshold: summary.threshold,
    lowGradient: summary.lowGradient,
    signedIndices: [...summary.signedIndices],
    scores: [...summary.scores],
  };
}

let version: string | null = null;
function appVersion(): string {
  version ??= (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return version;
}

export type { IpcResponse };
