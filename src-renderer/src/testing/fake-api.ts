// An in-memory window.api for the renderer's component tests: the renderer's whole
// boundary is the IPC contract, so the screens are tested against a stand-in for it
// (the engine behind the real one is tested against real code elsewhere).
//
// It is held to the contract: each handler's request and response types come from
// IPC_CHANNELS (a changed response or a renamed channel fails the typecheck), and the api
// is built by the contract's own buildSealSightApi, so every request the screens send
// and every response given back is validated by the same zod schemas as in the app. A
// channel with no handler here (the Model and Search screens' jobs) rejects, naming
// itself, unless a test gives it one with fake.handle().
import { buildSealSightApi, TIER_LABELS } from '../../../src-shared/contract/ipc.ts';
import type { EvaluationSettingDto } from '../../../src-shared/contract/evaluation-setting.ts';
import type {
  GalleryItem,
  IpcChannel,
  IpcRequest,
  IpcResponse,
  ProgressEvent,
  ReadableGalleryItem,
  SealSightApi,
  VaultStatus,
} from '../../../src-shared/contract/ipc.ts';

type Handler<C extends IpcChannel> = (
  request: IpcRequest<C>,
) => IpcResponse<C> | Promise<IpcResponse<C>>;
type Handlers = { [C in IpcChannel]: Handler<C> };

export interface FakeCall {
  channel: IpcChannel;
  request: unknown;
}

/** What the in-memory vault holds; tests set it before rendering. */
export interface FakeVault {
  status: VaultStatus;
  /** The vault's evaluation setting, as the app shows it (never a password). */
  evaluation: EvaluationSettingDto;
  items: GalleryItem[];
  classes: string[];
  folderPicker: boolean;
}

export const CLASSES = ['crazing', 'inclusion', 'patches', 'pitted_surface', 'scratches'];
/** A 1×1 PNG. */
export const PNG_DATA_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

export function lockedStatus(overrides: Partial<VaultStatus> = {}): VaultStatus {
  return {
    state: 'locked',
    dir: null,
    imageCount: 0,
    idleLockSeconds: 600,
    lockedReason: null,
    headerRestoredFromBackup: false,
    recent: [],
    ...overrides,
  };
}

export function unlockedStatus(overrides: Partial<VaultStatus> = {}): VaultStatus {
  return lockedStatus({ state: 'unlocked', dir: '/vaults/steel', ...overrides });
}

let nextId = 1;
/** A 32-hex-digit image id, distinct for every call. */
export function imageId(): string {
  return (nextId++).toString(16).padStart(32, '0');
}

/** A readable gallery item; `name` is also what the Review screen shows as its heading. */
export function item(
  name: string,
  fields: Partial<Omit<ReadableGalleryItem, 'name'>> = {},
): ReadableGalleryItem {
  return {
    id: imageId(),
    name,
    label: null,
    reviewed: false,
    prediction: null,
    importedAt: '2025-01-01T00:00:00.000Z',
    threshold: 40,
    lowGradient: false,
    // Chunks 0, 5, 10 and 15 (the diagonal) are feature chunks.
    signedIndices: Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? i + 1 : -(i + 1))),
    scores: Array.from({ length: 16 }, (_, i) => i * 4.2),
    ...fields,
  };
}

export function predicted(predictedClass: string, confidence: number) {
  return { modelId: '00000000000000aa', predicted: predictedClass, confidence };
}

export function progress(fields: Partial<ProgressEvent> & { jobId: string }): ProgressEvent {
  return {
    kind: 'import',
    phase: 'running',
    done: 0,
    total: 0,
    etaSeconds: null,
    message: '',
    ...fields,
  };
}

/** A promise the test settles by hand, to hold a call open (a job still running). */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function freshVault(): FakeVault {
  return {
    status: lockedStatus(),
    evaluation: { kind: 'local' },
    items: [],
    classes: [...CLASSES],
    folderPicker: false,
  };
}

class FakeBackend {
  vault: FakeVault = freshVault();
  private log: FakeCall[] = [];
  private overrides = new Map<IpcChannel, Handler<IpcChannel>>();
  private listeners = new Set<(event: ProgressEvent) => void>();

  private readonly defaults: Partial<Handlers> = {
    'app:info': () => ({
      version: '0.0.0-test',
      classes: this.vault.classes,
      tierLabels: { ...TIER_LABELS },
      search: { available: false, reason: 'no obfuscated-tier model for this vault' },
      security: { available: false, reason: 'no obfuscated-tier model for this vault' },
      folderPicker: this.vault.folderPicker,
    }),
    'dialog:choose-folder': () => ({ path: null }),
    'vault:status': () => this.vault.status,
    'vault:create': ({ dir }) => (this.vault.status = unlockedStatus({ dir })),
    'vault:unlock': ({ dir }) => (this.vault.status = unlockedStatus({ dir })),
    'vault:lock': () => (this.vault.status = lockedStatus({ lockedReason: 'user' })),
    'import:run': ({ folder }) => ({
      folder,
      candidates: 0,
      imported: 0,
      duplicates: 0,
      failed: [],
      skippedNonImages: 0,
      lowGradient: 0,
      cancelled: false,
      seconds: 0.1,
      imagesPerSecond: 0,
      importedIds: [],
    }),
    'images:list': () => {
      if (this.vault.status.state === 'locked') throw new Error('the vault is locked');
      return { items: this.vault.items };
    },
    'images:thumbnail': ({ id }) => ({ id, dataUrl: PNG_DATA_URL }),
    'classify:run': ({ modelId }) => ({
      modelId: modelId ?? '00000000000000aa',
      classified: 0,
      skipped: this.vault.items.length,
      failed: [],
      cancelled: false,
      seconds: 0.1,
      evaluatedOn: 'this computer (2 evaluation threads)',
    }),
    'evaluation:get': () => this.vault.evaluation,
    'evaluation:set': ({ setting }) => {
      const before = this.vault.evaluation;
      const had = before.kind === 'farm' && before.auth === 'password';
      const { password } = setting.kind === 'farm' ? setting : { password: 'clear' };
      this.vault.evaluation =
        setting.kind === 'local'
          ? { kind: 'local' }
          : {
              kind: 'farm',
              broker: setting.broker,
              auth:
                typeof password === 'object' || (password === 'keep' && had) ? 'password' : 'none',
            };
      return this.vault.evaluation;
    },
    'review:set-label': ({ id, label }) => this.update(id, { label }),
    'review:set-reviewed': ({ id, reviewed }) => this.update(id, { reviewed }),
    'review:export-csv': () => ({
      fileName: 'labels.csv',
      rows: this.vault.items.length,
      csv: 'image_id,file_name,label\r\n',
    }),
    'model:list': () => ({ models: [] }),
    'security:report': () => ({
      available: false,
      reason: 'no obfuscated-tier model for this vault',
      tierLabel: TIER_LABELS.obfuscated,
      figures: [],
      histograms: [],
    }),
    'job:cancel': () => ({ cancelled: true }),
  };

  /** window.api as the screens see it: built and validated by the contract. */
  readonly api: SealSightApi = buildSealSightApi({
    invoke: async (channel, request) => {
      this.log.push({ channel, request });
      const handler = (this.overrides.get(channel) ?? this.defaults[channel]) as
        Handler<IpcChannel> | undefined;
      if (!handler)
        throw new Error(`${channel} is not faked: give it a handler with fake.handle()`);
      return handler(request as never);
    },
    subscribe: (listener) => {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    },
  });

  private update(id: string, fields: Partial<ReadableGalleryItem>): GalleryItem {
    const index = this.vault.items.findIndex((x) => x.id === id);
    if (index < 0) throw new Error(`no image ${id}`);
    const updated = { ...this.vault.items[index]!, ...fields } as GalleryItem;
    this.vault.items = this.vault.items.with(index, updated);
    return updated;
  }

  /** Every request sent on a channel so far, oldest first. */
  calls<C extends IpcChannel>(channel: C): IpcRequest<C>[] {
    return this.log.filter((c) => c.channel === channel).map((c) => c.request as IpcRequest<C>);
  }

  /** Channels called so far, in order. */
  channels(): IpcChannel[] {
    return this.log.map((c) => c.channel);
  }

  /** Replaces a channel's handler for the current test. */
  handle<C extends IpcChannel>(channel: C, handler: Handler<C>): void {
    this.overrides.set(channel, handler as unknown as Handler<IpcChannel>);
  }

  /** Makes a channel reject the way Electron's ipcRenderer.invoke does. */
  fail(channel: IpcChannel, message: string): void {
    this.handle(channel, () => {
      throw new Error(`Error invoking remote method '${channel}': Error: ${message}`);
    });
  }

  /** Sends a progress event to every subscriber (as the main side does while a job runs). */
  emit(event: ProgressEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  reset(): void {
    this.vault = freshVault();
    this.log = [];
    this.overrides.clear();
  }
}

export const fake = new FakeBackend();
