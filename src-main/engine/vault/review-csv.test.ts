import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { csvCell } from './review-csv.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { ensureReviewSchema } from './migrations/ensure-review-schema.ts';

describe('review CSV cells', () => {
  it('quotes separators, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(0.5)).toBe('0.5');
  });

  it('defuses cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@sum')).toBe("'@sum");
    expect(csvCell(-2)).toBe('-2'); // numbers are data, not formulas
  });
});

describe('migration 0004', () => {
  it('is listed after 3 with contiguous versions, and is idempotent (also applied on demand)', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(MIGRATIONS.map((m) => m.version)).toContain(4);
    const db = new Database(':memory:');
    db.exec('CREATE TABLE images (id INTEGER PRIMARY KEY)');
    ensureReviewSchema(db);
    ensureReviewSchema(db);
    db.exec(MIGRATIONS.find((m) => m.version === 4)!.sql);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['image_reviews', 'vault_models']));
    db.close();
  });
});
