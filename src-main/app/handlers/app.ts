// The app's own channels: what this build is and offers (app:info, asked before any
// vault is open) and the native folder dialog, which only a shell that injects one has.
import { readFileSync } from 'node:fs';
import { NEU_CLASSES } from '../../../src-shared/domain/classes.ts';
import { TIER_LABELS } from '../../../src-shared/contract/ipc.ts';
import { AppError } from '../renderer-boundary.ts';
import type { AppContext, FeatureHandlers } from './handler-types.ts';

export function appHandlers(app: AppContext): FeatureHandlers<'app'> {
  return {
    'app:info': async () => ({
      version: appVersion(),
      classes: [...NEU_CLASSES],
      tierLabels: { ...TIER_LABELS },
      search: await app.tiers.searchAvailability(app.vaults.current),
      security: await app.tiers.securityAvailability(),
      folderPicker: app.chooseFolder !== undefined,
    }),
    'dialog:choose-folder': async ({ purpose }) => {
      const choose = app.chooseFolder;
      if (!choose)
        throw new AppError('not-available', 'no folder dialog here: type the folder’s path');
      return { path: await choose(purpose) };
    },
  };
}

let version: string | null = null;
function appVersion(): string {
  version ??= (
    JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return version;
}
