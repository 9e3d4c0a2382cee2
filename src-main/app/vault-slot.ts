// The app's one unlocked vault: which vault is open (if any), why the last one was
// locked, and the transitions between — create, unlock, lock — which run one at a time.
// Locking first runs the service's own wind-down (cancel every job, stop the embedding
// worker), then closes the vault: its subkeys leave memory with it.
import type { VaultStatus } from '../../src-shared/contract/ipc.ts';
import type { UnlockedVault } from '../engine/index.ts';
import { AppError } from './renderer-boundary.ts';

export type LockReason = NonNullable<VaultStatus['lockedReason']>;

export class VaultSlot {
  readonly #beforeLock: () => Promise<void>;
  #vault: UnlockedVault | null = null;
  #lockedReason: VaultStatus['lockedReason'] = null;
  #transition: Promise<unknown> = Promise.resolve();

  /** `beforeLock` runs on every lock, with or without a vault open. */
  constructor(beforeLock: () => Promise<void>) {
    this.#beforeLock = beforeLock;
  }

  /** The unlocked vault, or null when locked. */
  get current(): UnlockedVault | null {
    return this.#vault;
  }

  /** Why the last vault was locked (null while one is open, or before any was). */
  get lockedReason(): VaultStatus['lockedReason'] {
    return this.#vault ? null : this.#lockedReason;
  }

  /** The unlocked vault; a call that needs one fails as `locked` without it. */
  require(): UnlockedVault {
    if (!this.#vault) throw new AppError('locked', 'the vault is locked: unlock it first');
    return this.#vault;
  }

  /** Runs a vault transition after the ones before it have settled. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#transition.then(fn, fn);
    this.#transition = next.catch(() => undefined);
    return next;
  }

  async lock(reason: LockReason): Promise<void> {
    await this.#beforeLock();
    if (this.#vault) {
      this.#vault.close();
      this.#vault = null;
      this.#lockedReason = reason;
    }
  }

  /** Locks the open vault (as the user's doing) and holds the one `open` unlocks. */
  async replace(open: () => Promise<UnlockedVault>): Promise<void> {
    await this.lock('user');
    this.#vault = await open();
  }
}
