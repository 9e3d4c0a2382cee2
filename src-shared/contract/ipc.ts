// The typed IPC contract between the renderer and the main side (Electron's
// ipcMain handlers and the plain-Node preview server both implement it over the same
// AppService). Pure TypeScript + zod: no Node, no DOM, no Electron.
//
// Rules the schemas enforce (see src-main/app/renderer-boundary.ts for the main side):
// - Every request and response object is strict: an unknown field is an error, so a
//   key, a passphrase or a file path the renderer was not meant to see cannot ride
//   along in a response by accident.
// - Passphrases only travel renderer → main (vault:create, vault:unlock), and so does a
//   farm's broker password (evaluation:set). No response carries a passphrase, a
//   password, a key, or decrypted pixels other than display thumbnails (PNG data URLs
//   made in memory, never written to disk).
// - Long jobs (import, classify, train) take a renderer-chosen jobId, resolve with
//   their final report, and stream ProgressEvents with that jobId meanwhile;
//   `job:cancel` stops one.
import { z } from 'zod';
import { CHUNK_COUNT } from '../domain/geometry.ts';
import { MAX_ENSEMBLE_MEMBERS } from '../domain/ensemble.ts';
import { EVALUATION_SETTING_CHANNELS } from './evaluation-setting.ts';
import { ImportReportSchema } from './vault.ts';

// ---------------------------------------------------------------- building blocks

const MAX_PATH = 4096;
/** An absolute or relative file-system path, as typed by the user (no NUL bytes). */
export const PathSchema = z
  .string()
  .min(1, 'a path is required')
  .max(MAX_PATH)
  .refine((p) => !p.includes('\0'), 'a path cannot contain NUL');
export const PassphraseSchema = z.string().min(8, 'at least 8 characters').max(1024);
export const ImageIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'an image id is 32 hex digits');
export const ModelIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'a model id is 16 hex digits');
export const JobIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'a job id is 8–64 [A-Za-z0-9_-]');
export const ClassLabelSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_ .-]+$/, 'a label is letters, digits, space, _ . -');

const Empty = z.strictObject({});

export const TierSchema = z.enum(['sealed', 'obfuscated']);
export type Tier = z.infer<typeof TierSchema>;

/** Shown beside every obfuscated-tier result. */
export const TIER_LABELS: Readonly<Record<Tier, string>> = Object.freeze({
  sealed:
    'Sealed tier — CKKS homomorphic encryption: classified without decrypting; only this vault’s key reads the result.',
  obfuscated:
    'Obfuscation under a fixed key — not secure against known or chosen plaintexts; use the sealed tier for secrecy.',
});

// ---------------------------------------------------------------- vault

export const VaultStatusSchema = z.strictObject({
  state: z.enum(['locked', 'unlocked']),
  /** The unlocked vault's folder (null when locked). */
  dir: z.string().nullable(),
  imageCount: z.number().int().nonnegative(),
  /** Seconds of inactivity after which the vault locks itself (0 = never). */
  idleLockSeconds: z.number().int().nonnegative(),
  /** Why it was last locked, when it locked itself. */
  lockedReason: z.enum(['user', 'idle', 'error']).nullable(),
  /** The unlock found vault.json missing or damaged and used (and restored from) its backup. */
  headerRestoredFromBackup: z.boolean(),
  recent: z.array(z.strictObject({ dir: z.string(), lastOpened: z.string() })).max(20),
});
export type VaultStatus = z.infer<typeof VaultStatusSchema>;

// ---------------------------------------------------------------- images

export const PredictionSchema = z.strictObject({
  modelId: z.string(),
  predicted: z.string(),
  /** Softmax of the decrypted image-level scores, for the predicted class (0..1). */
  confidence: z.number().min(0).max(1),
});
export type Prediction = z.infer<typeof PredictionSchema>;

export const ReadableGalleryItemSchema = z.strictObject({
  id: ImageIdSchema,
  name: z.string(),
  label: z.string().nullable(),
  reviewed: z.boolean(),
  prediction: PredictionSchema.nullable(),
  importedAt: z.string(),
  threshold: z.number(),
  lowGradient: z.boolean(),
  /** 16 signed indices, row-major: + feature chunk (CKKS), − other (AES). */
  signedIndices: z.array(z.number().int()).length(CHUNK_COUNT),
  /** Per-chunk mean Sobel gradient score, row-major. */
  scores: z.array(z.number()).length(CHUNK_COUNT),
  error: z.undefined().optional(),
});
export type ReadableGalleryItem = z.infer<typeof ReadableGalleryItemSchema>;

/**
 * An image whose encrypted metadata could not be read: only what the catalogue keeps
 * outside it, and `error` naming the item and why. Its own type, with no name or scores
 * at all, so no screen can show made-up values for it.
 */
export const UnreadableGalleryItemSchema = z.strictObject({
  id: ImageIdSchema,
  error: z.string().min(1),
  reviewed: z.boolean(),
  importedAt: z.string(),
});

/** One image of the gallery: `error` is set (and only then) when it could not be read. */
export const GalleryItemSchema = z.union([ReadableGalleryItemSchema, UnreadableGalleryItemSchema]);
export type GalleryItem = z.infer<typeof GalleryItemSchema>;

export function isReadableItem(item: GalleryItem): item is ReadableGalleryItem {
  return item.error === undefined;
}

export const ClassifyReportSchema = z.strictObject({
  modelId: z.string(),
  classified: z.number().int(),
  skipped: z.number().int(),
  failed: z.array(z.strictObject({ id: z.string(), name: z.string(), reason: z.string() })),
  cancelled: z.boolean(),
  seconds: z.number(),
  /** Where it ran: 'this computer (…)' or 'the evaluation farm at redis://host:port'. */
  evaluatedOn: z.string(),
});

// ---------------------------------------------------------------- models

export const PerClassSchema = z.strictObject({
  name: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number().int(),
});

export const EvaluationSchema = z.strictObject({
  modelId: z.string(),
  /** What was compared: the vault's labels against stored encrypted predictions. */
  source: z.string(),
  classes: z.array(z.string()),
  n: z.number().int(),
  accuracy: z.number(),
  macroF1: z.number(),
  /** confusion[true][predicted]. */
  confusion: z.array(z.array(z.number().int())),
  perClass: z.array(PerClassSchema),
});
export type Evaluation = z.infer<typeof EvaluationSchema>;

export const ModelInfoSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  source: z.enum(['shipped', 'vault']),
  classes: z.array(z.string()),
  /** Nets in the model (an ensemble sums their scores; each costs one encrypted pass). */
  members: z.number().int().min(1),
  /** Plaintext validation accuracy recorded at training time, if any. */
  validationAccuracy: z.number().nullable(),
  createdAt: z.string().nullable(),
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

export const TrainReportSchema = z.strictObject({
  modelId: z.string(),
  classes: z.array(z.string()),
  images: z.strictObject({ train: z.number().int(), validation: z.number().int() }),
  history: z.array(
    z.strictObject({
      epoch: z.number().int(),
      loss: z.number(),
      validationAccuracy: z.number().nullable(),
    }),
  ),
  validation: EvaluationSchema.nullable(),
  seconds: z.number(),
  cancelled: z.boolean(),
});
export type TrainReportDto = z.infer<typeof TrainReportSchema>;

// ---------------------------------------------------------------- optional tiers

export const AvailabilitySchema = z.strictObject({
  available: z.boolean(),
  /** Plain statement of why not (when unavailable) or what it is (when available). */
  reason: z.string(),
});

export const SimilarResultSchema = z.strictObject({
  tier: z.literal('obfuscated'),
  tierLabel: z.string(),
  query: ImageIdSchema,
  /** The obfuscated-tier model whose embeddings were compared. */
  modelId: z.string(),
  /** How many images were indexed for this query (embeddings missing until now). */
  newlyIndexed: z.number().int().nonnegative(),
  results: z.array(
    z.strictObject({
      id: ImageIdSchema,
      name: z.string(),
      label: z.string().nullable(),
      /** The obfuscated tier's predicted class (its own model, not the sealed tier's). */
      predicted: z.string(),
      /** 1 − cosine similarity of the 512-d embeddings (0 = same direction). */
      distance: z.number(),
    }),
  ),
});

export const ObfTrainReportSchema = z.strictObject({
  modelId: z.string(),
  classes: z.array(z.string()),
  images: z.strictObject({ train: z.number().int(), validation: z.number().int() }),
  /** Held-out figures of the obfuscated tier's classifier and retrieval (null: none held out). */
  validation: z
    .strictObject({
      n: z.number().int(),
      accuracy: z.number(),
      mAP: z.number(),
      precisionAt10: z.number().nullable(),
    })
    .nullable(),
  seconds: z.number(),
});
export type ObfTrainReportDto = z.infer<typeof ObfTrainReportSchema>;

export const SecurityReportSchema = z.strictObject({
  available: z.boolean(),
  reason: z.string(),
  tierLabel: z.string(),
  /** Named figures (e.g. correlation coefficients, entropy, attack success rates). */
  figures: z.array(z.strictObject({ name: z.string(), value: z.number(), note: z.string() })),
  histograms: z.array(
    z.strictObject({
      name: z.string(),
      bins: z.array(z.strictObject({ x: z.string(), y: z.number() })),
    }),
  ),
});

// ---------------------------------------------------------------- progress

export const JobKindSchema = z.enum(['import', 'classify', 'train', 'search', 'security']);
export type JobKind = z.infer<typeof JobKindSchema>;

export const ProgressEventSchema = z.strictObject({
  jobId: JobIdSchema,
  kind: JobKindSchema,
  phase: z.enum(['running', 'done', 'failed', 'cancelled']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
  message: z.string(),
  /** Numeric series for charts (e.g. training loss and validation accuracy per epoch). */
  metrics: z.record(z.string(), z.number()).optional(),
});
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;

// ---------------------------------------------------------------- channels

export const IPC_CHANNELS = {
  'app:info': {
    request: Empty,
    response: z.strictObject({
      version: z.string(),
      classes: z.array(z.string()),
      tierLabels: z.strictObject({ sealed: z.string(), obfuscated: z.string() }),
      search: AvailabilitySchema,
      security: AvailabilitySchema,
      /** Whether dialog:choose-folder works (a native dialog: the shell; not the preview). */
      folderPicker: z.boolean(),
    }),
  },
  'dialog:choose-folder': {
    request: z.strictObject({ purpose: z.enum(['vault', 'import']) }),
    /** The chosen folder, or null when the user cancelled. */
    response: z.strictObject({ path: z.string().nullable() }),
  },
  'vault:status': { request: Empty, response: VaultStatusSchema },
  'vault:create': {
    request: z.strictObject({ dir: PathSchema, passphrase: PassphraseSchema }),
    response: VaultStatusSchema,
  },
  'vault:unlock': {
    request: z.strictObject({ dir: PathSchema, passphrase: z.string().min(1).max(1024) }),
    response: VaultStatusSchema,
  },
  'vault:lock': { request: Empty, response: VaultStatusSchema },
  'import:run': {
    request: z.strictObject({
      jobId: JobIdSchema,
      folder: PathSchema,
      labelsFromFolders: z.boolean(),
      threshold: z.number().min(0).max(10_000),
      /** Minimum feature chunks per image; omitted = the engine's default. */
      minFeatureChunks: z.number().int().min(0).max(CHUNK_COUNT).optional(),
    }),
    response: z.strictObject(ImportReportSchema.shape),
  },
  'images:list': {
    request: Empty,
    response: z.strictObject({ items: z.array(GalleryItemSchema) }),
  },
  'images:thumbnail': {
    request: z.strictObject({ id: ImageIdSchema, size: z.number().int().min(32).max(512) }),
    response: z.strictObject({
      id: ImageIdSchema,
      dataUrl: z.string().regex(/^data:image\/png;base64,[A-Za-z0-9+/=]+$/),
    }),
  },
  'classify:run': {
    request: z.strictObject({ jobId: JobIdSchema, modelId: ModelIdSchema.nullable() }),
    response: ClassifyReportSchema,
  },
  ...EVALUATION_SETTING_CHANNELS,
  'review:set-label': {
    request: z.strictObject({ id: ImageIdSchema, label: ClassLabelSchema.nullable() }),
    response: GalleryItemSchema,
  },
  'review:set-reviewed': {
    request: z.strictObject({ id: ImageIdSchema, reviewed: z.boolean() }),
    response: GalleryItemSchema,
  },
  'review:export-csv': {
    request: Empty,
    response: z.strictObject({ fileName: z.string(), rows: z.number().int(), csv: z.string() }),
  },
  'model:list': {
    request: Empty,
    response: z.strictObject({ models: z.array(ModelInfoSchema) }),
  },
  'model:train': {
    request: z.strictObject({
      jobId: JobIdSchema,
      epochs: z.number().int().min(1).max(500),
      validationFraction: z.number().min(0).max(0.5),
      /** Nets in the ensemble (image score = their sum); each costs a training run and an HE pass. */
      members: z.number().int().min(1).max(MAX_ENSEMBLE_MEMBERS).optional(),
    }),
    response: TrainReportSchema,
  },
  'model:evaluate': {
    request: z.strictObject({ modelId: ModelIdSchema.nullable() }),
    response: EvaluationSchema,
  },
  'search:similar': {
    /** A job: images without an embedding are indexed first (progress, cancel). */
    request: z.strictObject({
      jobId: JobIdSchema,
      id: ImageIdSchema,
      k: z.number().int().min(1).max(50),
    }),
    response: SimilarResultSchema,
  },
  'search:train-model': {
    /** Trains an obfuscated-tier model on the vault's labelled images, under the vault's key. */
    request: z.strictObject({
      jobId: JobIdSchema,
      epochs: z.number().int().min(1).max(200),
      validationFraction: z.number().min(0).max(0.5),
    }),
    response: ObfTrainReportSchema,
  },
  'security:report': { request: Empty, response: SecurityReportSchema },
  'job:cancel': {
    request: z.strictObject({ jobId: JobIdSchema }),
    response: z.strictObject({ cancelled: z.boolean() }),
  },
} as const;

export type IpcChannel = keyof typeof IPC_CHANNELS;
export type IpcRequest<C extends IpcChannel> = z.input<(typeof IPC_CHANNELS)[C]['request']>;
export type IpcResponse<C extends IpcChannel> = z.output<(typeof IPC_CHANNELS)[C]['response']>;

export const IPC_CHANNEL_NAMES = Object.keys(IPC_CHANNELS) as IpcChannel[];

export function isIpcChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && Object.hasOwn(IPC_CHANNELS, value);
}

/** The one Electron event name / SSE event name progress travels on. */
export const PROGRESS_CHANNEL = 'job:progress';

/** What a failed call carries back (message only: no stack, no paths beyond the user's own). */
export const IpcErrorSchema = z.strictObject({
  code: z.enum(['invalid-request', 'locked', 'not-available', 'cancelled', 'failed']),
  message: z.string(),
});
export type IpcError = z.infer<typeof IpcErrorSchema>;

// ---------------------------------------------------------------- window.api

/** 'vault:create' → 'vaultCreate', 'review:set-label' → 'reviewSetLabel'. */
type Camel<S extends string> = S extends `${infer A}-${infer B}`
  ? `${A}${Capitalize<Camel<B>>}`
  : S;
export type MethodName<C extends string> = C extends `${infer A}:${infer B}`
  ? `${A}${Capitalize<Camel<B>>}`
  : never;

export function methodNameOf<C extends IpcChannel>(channel: C): MethodName<C> {
  const [scope, action] = channel.split(':') as [string, string];
  const camel = action.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return `${scope}${camel[0]!.toUpperCase()}${camel.slice(1)}` as MethodName<C>;
}

export type SealSightApi = {
  [C in IpcChannel as MethodName<C>]: (request: IpcRequest<C>) => Promise<IpcResponse<C>>;
} & {
  /** Subscribes to progress events of every job; returns the unsubscribe function. */
  onProgress(listener: (event: ProgressEvent) => void): () => void;
  /** Same as jobCancel({ jobId }). */
  cancel(jobId: string): Promise<{ cancelled: boolean }>;
};

/**
 * Builds window.api from one transport function (Electron: ipcRenderer.invoke; preview:
 * fetch). Requests are validated here too, so a malformed call fails in the renderer
 * with a clear message before it is sent; the main side validates again regardless.
 */
export function buildSealSightApi(transport: {
  invoke(channel: IpcChannel, request: unknown): Promise<unknown>;
  subscribe(listener: (event: ProgressEvent) => void): () => void;
}): SealSightApi {
  const api: Record<string, unknown> = {};
  for (const channel of IPC_CHANNEL_NAMES) {
    const { request, response } = IPC_CHANNELS[channel];
    api[methodNameOf(channel)] = async (payload: unknown) =>
      response.parse(await transport.invoke(channel, request.parse(payload)));
  }
  api.onProgress = (listener: (event: ProgressEvent) => void) =>
    transport.subscribe((event) => {
      const parsed = ProgressEventSchema.safeParse(event);
      if (parsed.success) listener(parsed.data);
    });
  api.cancel = (jobId: string) => (api.jobCancel as SealSightApi['jobCancel'])({ jobId });
  return api as SealSightApi;
}

/** Parses a request for a channel; throws an IpcError-shaped Error on malformed input. */
export function parseIpcRequest<C extends IpcChannel>(
  channel: C,
  payload: unknown,
): z.output<(typeof IPC_CHANNELS)[C]['request']> {
  const parsed = IPC_CHANNELS[channel].request.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new IpcRequestError(
      `${channel}: invalid request (${issue.path.join('.') || 'payload'}: ${issue.message})`,
    );
  }
  return parsed.data as z.output<(typeof IPC_CHANNELS)[C]['request']>;
}

export class IpcRequestError extends Error {
  override name = 'IpcRequestError';
  readonly code = 'invalid-request' as const;
}
