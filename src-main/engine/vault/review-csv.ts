// CSV export of the review state: one row per image (RFC 4180 quoting). Cells that a
// spreadsheet would run as a formula (=, +, -, @, tab, CR at the start) are prefixed
// with an apostrophe, so a crafted file name cannot execute when the CSV is opened.
// An image whose items fail authentication is a row too, with the error in its own
// column: an export never silently leaves an image out.
import { galleryListing, isGalleryError } from './gallery.ts';
import type { UnlockedVault } from './vault.ts';

export const REVIEW_CSV_COLUMNS = [
  'image_id',
  'file_name',
  'label',
  'predicted_class',
  'confidence',
  'reviewed',
  'error',
] as const;

export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function reviewCsv(vault: UnlockedVault): { csv: string; rows: number } {
  const entries = galleryListing(vault);
  const lines = [REVIEW_CSV_COLUMNS.join(',')];
  for (const entry of entries) {
    const cells = isGalleryError(entry)
      ? [entry.id, null, null, null, null, entry.reviewed, entry.error]
      : [
          entry.summary.id,
          entry.summary.name,
          entry.summary.label,
          entry.prediction?.predicted ?? null,
          entry.prediction ? entry.prediction.confidence.toFixed(4) : null,
          entry.reviewed,
          entry.problems.map((p) => p.reason).join('; ') || null,
        ];
    lines.push(cells.map(csvCell).join(','));
  }
  return { csv: `${lines.join('\r\n')}\r\n`, rows: entries.length };
}
