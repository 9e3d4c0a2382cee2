// The images' channels: import a folder into the unlocked vault (a job), the gallery
// listing, and display thumbnails decrypted into memory only.
import { galleryItems } from '../gallery-items.ts';
import { thumbnailDataUrl } from '../thumbnails.ts';
import { importJob, importOutcome } from '../vault-jobs.ts';
import type { AppContext, FeatureHandlers } from './handler-types.ts';

export function imageHandlers(app: AppContext): FeatureHandlers<'images'> {
  return {
    'import:run': (request) =>
      app.jobs.run(
        request.jobId,
        'import',
        (ctx) => importJob(app.vaults.require(), request, app.workers, ctx),
        importOutcome,
      ),
    'images:list': () => ({ items: galleryItems(app.vaults.require()) }),
    'images:thumbnail': async ({ id, size }) => ({
      id,
      dataUrl: await thumbnailDataUrl(app.vaults.require(), id, size),
    }),
  };
}
