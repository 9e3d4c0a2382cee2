// CSV export of the review state: one row per image (RFC 4180 quoting). Cells that a
// spreadsheet would run as a formula (=, +, -, @, tab, CR at the start) are prefixed
// with an apostrophe, so a crafted file name cannot execute when the CSV is opened.
import { galleryEntries } from './gallery.ts';
import type { UnlockedVault } from './vault.ts';

export const REVIEW_CSV_COLUMNS = [
  'image_id',
  'file_name',
  'label',
  'predicted_class',
  'confidence',
  'reviewed',
] as const;

export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function reviewCsv(vault: UnlockedVault): { csv: string; rows: number } {
  const entries = galleryEntries(vault);
  const lines = [REVIEW_CSV_COLUMNS.join(',')];
  for (const { summary, reviewed, prediction } of entries) {
    lines.push(
      [
        summary.id,
        summary.name,
        summary.label,
        prediction?.predicted ?? null,
        prediction ? prediction.confidence.toFixed(4) : null,
        reviewed,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return { csv: `${lines.join('\r\n')}\r\n`, rows: entries.length };
}
