// Where the app's encrypted classification runs, as the vault's evaluation setting says:
// the evaluation:get / evaluation:set channels (what the renderer may see of the setting:
// the broker and whether a password is set, never the password), and the evaluation
// backend a classify job runs on — this computer's threads, or a farm the key holder
// connects to before anything else happens, so a broker that cannot be reached (or a wrong
// password) fails the job with the broker's one-line error and leaves the vault untouched.
import type {
  EvaluationSettingChange,
  EvaluationSettingDto,
} from '../../src-shared/contract/evaluation-setting.ts';
import {
  EvaluationSettingError,
  farmBrokerUrl,
  readEvaluationSetting,
  writeEvaluationSetting,
} from '../engine/index.ts';
import type { EvaluationBackend, EvaluationSetting, UnlockedVault } from '../engine/index.ts';
import { describeBroker, FarmClient, farmEvaluation } from '../engine/farm/index.ts';
import type { JobContext } from './jobs.ts';
import { AppError } from './renderer-boundary.ts';

function toDto(setting: EvaluationSetting): EvaluationSettingDto {
  return setting.kind === 'local'
    ? { kind: 'local' }
    : { kind: 'farm', broker: setting.broker, auth: setting.hasPassword ? 'password' : 'none' };
}

export function getEvaluationSetting(vault: UnlockedVault): EvaluationSettingDto {
  return toDto(readEvaluationSetting(vault));
}

/** Stores the user's change; a setting that cannot be used is refused as an invalid request. */
export function setEvaluationSetting(
  vault: UnlockedVault,
  change: EvaluationSettingChange,
): EvaluationSettingDto {
  try {
    if (change.kind === 'local') return toDto(writeEvaluationSetting(vault, change));
    const { password } = change;
    return toDto(
      writeEvaluationSetting(vault, {
        kind: 'farm',
        broker: change.broker,
        password: typeof password === 'object' ? { set: password.replace } : password,
      }),
    );
  } catch (error) {
    if (error instanceof EvaluationSettingError)
      throw new AppError('invalid-request', error.message);
    throw error;
  }
}

/**
 * Runs `work` on the backend the vault's setting names: undefined (classify's default, this
 * computer's threads) or a farm, connected first and closed after, whatever `work` does.
 */
export async function withEvaluationBackend<T>(
  vault: UnlockedVault,
  ctx: JobContext,
  work: (evaluation: EvaluationBackend | undefined) => Promise<T>,
): Promise<T> {
  const broker = farmBrokerUrl(vault);
  if (broker === null) return work(undefined);
  ctx.progress(0, 0, null, `connecting to the evaluation farm at ${describeBroker(broker)}…`);
  // BrokerConnectionError: one line naming the broker without its password.
  const client = await FarmClient.connect({ broker });
  const farm = farmEvaluation(client);
  try {
    return await work(farm);
  } finally {
    farm.stop();
    await client.close();
  }
}
