// The IPC channels of the vault's evaluation setting: where encrypted classification runs,
// on this computer or on an evaluation farm (a Redis broker). The broker password travels
// renderer → main only, when the user sets or replaces it; no response carries it: the
// renderer learns only whether one is set (`auth`). The main side checks the broker URL
// fully (src-main/engine/vault/evaluation-setting.ts); these schemas catch what a form can.
import { z } from 'zod';

export const MAX_BROKER_URL_LENGTH = 2048;

/** A broker URL as typed: redis://host:port or rediss://host:port (TLS), no password in it. */
export const BrokerUrlSchema = z
  .string()
  .trim()
  .min(1, 'a broker URL is required')
  .max(MAX_BROKER_URL_LENGTH)
  .regex(/^rediss?:\/\//i, 'a broker URL starts with redis:// (or rediss:// for TLS)');

export const BrokerPasswordSchema = z
  .string()
  .min(1, 'the password is empty: clear it instead')
  .max(1024, 'at most 1024 characters');

/** What the renderer sees of the setting. */
export const EvaluationSettingSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('local') }),
  z.strictObject({
    kind: z.literal('farm'),
    /** The broker, without credentials: redis://host:port[/db]. */
    broker: z.string(),
    /** Whether a broker password is stored (it is never sent back). */
    auth: z.enum(['password', 'none']),
  }),
]);
export type EvaluationSettingDto = z.infer<typeof EvaluationSettingSchema>;

/** Keep the stored password, clear it, or replace it with a new one. */
export const BrokerPasswordChangeSchema = z.union([
  z.literal('keep'),
  z.literal('clear'),
  z.strictObject({ replace: BrokerPasswordSchema }),
]);

export const EvaluationSettingChangeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('local') }),
  z.strictObject({
    kind: z.literal('farm'),
    broker: BrokerUrlSchema,
    password: BrokerPasswordChangeSchema,
  }),
]);
export type EvaluationSettingChange = z.infer<typeof EvaluationSettingChangeSchema>;

export const EVALUATION_SETTING_CHANNELS = {
  'evaluation:get': { request: z.strictObject({}), response: EvaluationSettingSchema },
  'evaluation:set': {
    request: z.strictObject({ setting: EvaluationSettingChangeSchema }),
    response: EvaluationSettingSchema,
  },
} as const;
