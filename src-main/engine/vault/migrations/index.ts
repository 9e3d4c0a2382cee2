// Ordered list of schema migrations, one file each. Append; never edit a shipped one.
import type { Migration } from './migration.ts';
import { migration0001 } from './0001-initial.ts';
import { migration0002 } from './0002-classifications.ts';
import { migration0003 } from './0003-obfuscated.ts';
import { migration0004 } from './0004-review.ts';

const LISTED: readonly Migration[] = [migration0001, migration0002, migration0003];

// Version 3 is reserved for the obfuscated tier. Listing 4 before 3 exists would move
// vaults to user_version 4, and they would then skip 3 when it lands. So 0004 joins the
// list only once 3 is in it; until then review-state.ts applies its (idempotent,
// IF NOT EXISTS) SQL on demand without touching user_version.
export const MIGRATIONS: readonly Migration[] = LISTED.some((m) => m.version === 3)
  ? [...LISTED, migration0004]
  : LISTED;

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
