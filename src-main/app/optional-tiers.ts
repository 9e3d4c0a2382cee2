// The obfuscated tier (similar-image search) and the security report are built by
// other parts of the engine. Until their entry points exist this says so plainly — it
// never invents a result.
import { TIER_LABELS } from '../../src-shared/contract/ipc.ts';
import type { IpcResponse } from '../../src-shared/contract/ipc.ts';
import type { UnlockedVault } from '../engine/vault/vault.ts';
import { AppError } from './renderer-boundary.ts';

export interface Availability {
  readonly available: boolean;
  readonly reason: string;
}

const SEARCH_MISSING =
  'Similar-image search (obfuscated tier) is not available in this build: its engine has not been wired into the app yet.';
const SECURITY_MISSING =
  'The security report is not available in this build: its analysis has not been wired into the app yet.';

export class OptionalTiers {
  async searchAvailability(): Promise<Availability> {
    return { available: false, reason: SEARCH_MISSING };
  }

  async securityAvailability(): Promise<Availability> {
    return { available: false, reason: SECURITY_MISSING };
  }

  async similar(
    _vault: UnlockedVault,
    _id: string,
    _k: number,
  ): Promise<IpcResponse<'search:similar'>> {
    throw new AppError('not-available', SEARCH_MISSING);
  }

  async securityReport(_vault: UnlockedVault | null): Promise<IpcResponse<'security:report'>> {
    return {
      available: false,
      reason: SECURITY_MISSING,
      tierLabel: TIER_LABELS.obfuscated,
      figures: [],
      histograms: [],
    };
  }
}
