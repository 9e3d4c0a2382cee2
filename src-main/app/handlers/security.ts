// The Security screen's channel: the obfuscated tier measured on the unlocked vault's
// images (optional-tiers.ts, security-report.ts), or why not while it is locked.
import type { AppContext, FeatureHandlers } from './handler-types.ts';

export function securityHandlers(app: AppContext): FeatureHandlers<'security'> {
  return {
    'security:report': () => app.tiers.securityReport(app.vaults.current),
  };
}
