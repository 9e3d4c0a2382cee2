// The application service behind the desktop UI, shell-independent (plain Node, no
// Electron): the Electron ipcMain handlers and the preview server both call
// `handle(channel, payload)`. It validates the request against the contract, runs the
// channel's handler from the handler table (one table per feature, handlers/), and
// validates the response before it leaves. It owns the unlocked vault (one at a time,
// vault-slot.ts), locks it on request and after an idle period, and runs import /
// classification / training / search as cancellable jobs off the main thread with
// progress events.
import type { IpcChannel, ProgressEvent } from '../../src-shared/contract/ipc.ts';
import type { KdfParams } from '../engine/index.ts';
import { AppModels } from './app-models.ts';
import { createChannelHandlers } from './handlers/channel-handlers.ts';
import type { ChannelHandlers } from './handlers/channel-handlers.ts';
import { JobBusyError, Jobs } from './jobs.ts';
import { OptionalTiers } from './optional-tiers.ts';
import { RecentVaults } from './recent-vaults.ts';
import { AppError, checkResponse, parseChannel, parseRequest } from './renderer-boundary.ts';
import { CancelledError } from './vault-training.ts';
import { VaultSlot } from './vault-slot.ts';

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
  readonly #listeners = new Set<(event: ProgressEvent) => void>();
  readonly #jobs = new Jobs((event) => this.#emit(event));
  readonly #tiers: OptionalTiers;
  readonly #vaults: VaultSlot;
  readonly #idleLockMs: number;
  readonly #handlers: ChannelHandlers;
  #idleTimer: NodeJS.Timeout | null = null;

  constructor(options: AppServiceOptions) {
    this.#tiers = new OptionalTiers(
      options.obfModelFiles ? { obfModelFiles: options.obfModelFiles } : {},
    );
    this.#idleLockMs = options.idleLockMs ?? 10 * 60_000;
    this.#vaults = new VaultSlot(async () => {
      if (this.#idleTimer) clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
      await this.#jobs.cancelAll();
      // The embedding worker holds a net that may have been trained on the vault's images.
      await this.#tiers.dispose();
    });
    this.#handlers = createChannelHandlers({
      vaults: this.#vaults,
      jobs: this.#jobs,
      tiers: this.#tiers,
      models: new AppModels(options.shippedModelFile),
      recent: new RecentVaults(options.stateDir),
      idleLockMs: this.#idleLockMs,
      workers: options.workers,
      kdf: options.kdf,
      chooseFolder: options.chooseFolder,
    });
  }

  async handle(channelName: string, payload: unknown): Promise<unknown> {
    return this.#run(parseChannel(channelName), payload);
  }

  async #run<C extends IpcChannel>(channel: C, payload: unknown): Promise<unknown> {
    const request = parseRequest(channel, payload);
    if (!PASSIVE.has(channel)) this.#touch();
    try {
      return checkResponse(channel, await this.#handlers[channel](request));
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
    await this.#vaults.lock('user');
    this.#listeners.clear();
  }

  #emit(event: ProgressEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  /** User activity: the idle lock starts counting again. */
  #touch(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    if (this.#idleLockMs <= 0 || !this.#vaults.current) return;
    this.#idleTimer = setTimeout(() => {
      // A running job is activity: look again later rather than cut it off.
      if (this.#jobs.busy) this.#touch();
      else void this.#vaults.serial(() => this.#vaults.lock('idle'));
    }, this.#idleLockMs);
    this.#idleTimer.unref();
  }
}
