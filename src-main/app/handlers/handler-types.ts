// The types the app service's handler tables are written against. Each channel's handler
// takes the request exactly as the contract's zod schema parsed it and returns what the
// contract's response schema describes, so no handler casts a request field. A feature's
// table must name exactly that feature's channels (a missing or misspelled one fails the
// typecheck), and the assembled table must name every channel of the contract.
import type {
  IpcChannel,
  IpcFeature,
  IpcFeatureChannel,
  IpcParsedRequest,
  IpcResponse,
} from '../../../src-shared/contract/ipc.ts';
import type { KdfParams } from '../../engine/index.ts';
import type { AppModels } from '../app-models.ts';
import type { Jobs } from '../jobs.ts';
import type { OptionalTiers } from '../optional-tiers.ts';
import type { RecentVaults } from '../recent-vaults.ts';
import type { VaultSlot } from '../vault-slot.ts';

export type ChannelHandler<C extends IpcChannel> = (
  request: IpcParsedRequest<C>,
) => IpcResponse<C> | Promise<IpcResponse<C>>;

/** One feature's handlers: one per channel of that feature (IPC_FEATURES in the contract). */
export type FeatureHandlers<F extends IpcFeature> = {
  readonly [C in IpcFeatureChannel<F>]: ChannelHandler<C>;
};

/** Every channel's handler. */
export type ChannelHandlers = { readonly [C in IpcChannel]: ChannelHandler<C> };

/** What the handlers work with: the service's state and its options. */
export interface AppContext {
  readonly vaults: VaultSlot;
  readonly jobs: Jobs;
  readonly tiers: OptionalTiers;
  readonly models: AppModels;
  readonly recent: RecentVaults;
  /** Lock after this many ms without a request (0 = never). */
  readonly idleLockMs: number;
  /** Worker threads for import and HE (undefined: all cores). */
  readonly workers: number | undefined;
  /** KDF cost override for new vaults (tests only). */
  readonly kdf: Partial<KdfParams> | undefined;
  /** The shell's native folder dialog, if it has one. */
  readonly chooseFolder: ((purpose: 'vault' | 'import') => Promise<string | null>) | undefined;
}
