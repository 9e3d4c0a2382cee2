// Migration 0004's tables on demand, for catalogues opened by an older migration list. It
// belongs with the migrations: like them it owns schema, so it keeps its own SQL.
import type { Database } from 'better-sqlite3';
import { migration0004 } from './0004-review.ts';

/**
 * Once applied 0004's SQL on demand. The engine no longer calls it: opening a vault runs
 * every migration before the handle exists, and migration 6 replaces image_reviews with the
 * sealed shape, which running 0004 again must never bring back. So this only creates the
 * tables when both are missing (a bare catalogue); 0004's IF NOT EXISTS never touches a
 * table that is there.
 */
export function ensureReviewSchema(db: Database): void {
  const present = db
    .prepare(
      `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('image_reviews', 'vault_models')`,
    )
    .pluck()
    .get() as number;
  if (present === 0) db.exec(migration0004.sql);
}
