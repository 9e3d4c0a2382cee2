// The app's own channels, asked before any vault is open: what this build is (version,
// classes, tier labels, which optional parts work here) and the native folder dialog,
// which only the Electron shell has (the preview types paths instead).
import { z } from 'zod';
import { AvailabilitySchema, EmptyRequestSchema } from './common-schemas.ts';

export const APP_CHANNELS = {
  'app:info': {
    request: EmptyRequestSchema,
    response: z.strictObject({
      version: z.string(),
      classes: z.array(z.string()),
      tierLabels: z.strictObject({ sealed: z.string(), obfuscated: z.string() }),
      search: AvailabilitySchema,
      security: AvailabilitySchema,
      /** Whether dialog:choose-folder works (a native dialog: the shell; not the preview). */
      folderPicker: z.boolean(),
    }),
  },
  'dialog:choose-folder': {
    request: z.strictObject({ purpose: z.enum(['vault', 'import']) }),
    /** The chosen folder, or null when the user cancelled. */
    response: z.strictObject({ path: z.string().nullable() }),
  },
} as const;
