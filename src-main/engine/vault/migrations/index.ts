// Ordered list of schema migrations, one file each. Append; never edit a shipped one.
// The migrations own the catalogue's schema, so they keep their own SQL (CREATE, ALTER and
// the rows a migration rewrites); every other read and write goes through the catalogue
// repository (../catalogue/), which runs them (catalogue-file.ts).
import type { Migration } from './migration.ts';
import { migration0001 } from './0001-initial.ts';
import { migration0002 } from './0002-classifications.ts';
import { migration0003 } from './0003-obfuscated.ts';
import { migration0004 } from './0004-review.ts';
import { migration0005 } from './0005-lane-batches.ts';
import { migration0006 } from './0006-sealed-layout.ts';
import { migration0007 } from './0007-obfuscation-keys.ts';
import { migration0008 } from './0008-vault-settings.ts';

export type { MigrationKeys } from './migration.ts';

export const MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
