// The Review screen's channels: relabel an image or mark it reviewed (each answers with
// the image's gallery item as it now reads), and the review CSV export.
import { reviewCsv, setImageLabel, setReviewed } from '../../engine/index.ts';
import { galleryItem } from '../gallery-items.ts';
import type { AppContext, FeatureHandlers } from './handler-types.ts';

export function reviewHandlers(app: AppContext): FeatureHandlers<'review'> {
  return {
    'review:set-label': ({ id, label }) => {
      const vault = app.vaults.require();
      setImageLabel(vault, id, label);
      return galleryItem(vault, id);
    },
    'review:set-reviewed': ({ id, reviewed }) => {
      const vault = app.vaults.require();
      setReviewed(vault, id, reviewed);
      return galleryItem(vault, id);
    },
    'review:export-csv': () => {
      const { csv, rows } = reviewCsv(app.vaults.require());
      const stamp = new Date().toISOString().slice(0, 10);
      return { fileName: `sealsight-review-${stamp}.csv`, rows, csv };
    },
  };
}
