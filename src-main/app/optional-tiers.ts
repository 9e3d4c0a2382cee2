// The obfuscated tier's parts of the app: similar-image search (not wired yet: this
// says so plainly and never invents a result) and the security report (wired: see
// security-report.ts).
import { TIER_LABELS } from '../../src-shared/contract/ipc.ts';
import type { IpcResponse } from '../../src-shared/contract/ipc.ts';
import type { UnlockedVault } from '../engine/vault/vault.ts';
import { AppError } from './renderer-boundary.ts';
import { vaultSecurityReport } from './security-report.ts';

export interface Availability {
  readonly available: boolean;
  readonly reason: string;
}

const SEARCH_MISSING =
  'Similar-image search (obfuscated tier) is not available in this build: its engine has not been wired into the app yet.';
const SECURITY_LOCKED =
  'Unlock a vault: the security report measures the obfuscated tier on the vault’s own images.';

export class OptionalTiers {
  async searchAvailability(): Promise<Availability> {
    return { available: false, reason: SEARCH_MISSING };
  }

  async securityAvailability(): Promise<Availability> {
    return {
      available: true,
      reason:
        'Obfuscated-tier measurements on the vault’s images (entropy, correlation, NPCR, chosen-plaintext attacks).',
    };
  }

  async similar(
    _vault: UnlockedVault,
    _id: string,
    _k: number,
  ): Promise<IpcResponse<'search:similar'>> {
    throw new AppError('not-available', SEARCH_MISSING);
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
}
