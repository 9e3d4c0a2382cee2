// The Security screen's channel: the obfuscated tier measured on the vault's own images
// (entropy, correlation, NPCR/UACI, chosen-plaintext attacks) as named figures and
// histograms, or why it is not available.
import { z } from 'zod';
import { EmptyRequestSchema } from './common-schemas.ts';

export const SecurityReportSchema = z.strictObject({
  available: z.boolean(),
  reason: z.string(),
  tierLabel: z.string(),
  /** Named figures (e.g. correlation coefficients, entropy, attack success rates). */
  figures: z.array(z.strictObject({ name: z.string(), value: z.number(), note: z.string() })),
  histograms: z.array(
    z.strictObject({
      name: z.string(),
      bins: z.array(z.strictObject({ x: z.string(), y: z.number() })),
    }),
  ),
});

export const SECURITY_CHANNELS = {
  'security:report': { request: EmptyRequestSchema, response: SecurityReportSchema },
} as const;
