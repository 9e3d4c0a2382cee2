// "Evaluate on": the vault's setting of where encrypted classification runs — this computer,
// or an evaluation farm named by its broker URL (and the broker's password). The password
// field is write-only: the app never sends a stored password back, so the panel shows only
// whether one is set, and offers to replace or clear it. The URL is checked here against the
// contract's schema (what a form can see); the main side checks it fully and its refusal is
// shown as it comes.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { BrokerUrlSchema } from '../../../src-shared/contract/evaluation-setting.ts';
import type {
  EvaluationSettingChange,
  EvaluationSettingDto,
} from '../../../src-shared/contract/evaluation-setting.ts';
import { api, errorMessage } from '../api.ts';

type Kind = EvaluationSettingDto['kind'];

export function describeSetting(setting: EvaluationSettingDto): string {
  return setting.kind === 'local'
    ? 'this computer'
    : `the evaluation farm at ${setting.broker} (password ${setting.auth === 'password' ? 'set' : 'not set'})`;
}

export function EvaluationPlacePanel() {
  const [stored, setStored] = useState<EvaluationSettingDto | null>(null);
  const [kind, setKind] = useState<Kind>('local');
  const [broker, setBroker] = useState('');
  const [password, setPassword] = useState('');
  const [clearPassword, setClearPassword] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);

  const show = (setting: EvaluationSettingDto) => {
    setStored(setting);
    setKind(setting.kind);
    setBroker(setting.kind === 'farm' ? setting.broker : '');
    setPassword('');
    setClearPassword(false);
  };

  useEffect(() => {
    api
      .evaluationGet({})
      .then(show)
      .catch((e: unknown) => setProblem(errorMessage(e)));
  }, []);

  const passwordSet = stored?.kind === 'farm' && stored.auth === 'password';

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setSaved(false);
    let setting: EvaluationSettingChange;
    if (kind === 'local') setting = { kind: 'local' };
    else {
      const url = BrokerUrlSchema.safeParse(broker);
      if (!url.success) {
        setProblem(`Broker URL: ${url.error.issues[0]!.message}`);
        return;
      }
      setting = {
        kind: 'farm',
        broker: url.data,
        password: password !== '' ? { replace: password } : clearPassword ? 'clear' : 'keep',
      };
    }
    setSaving(true);
    try {
      show(await api.evaluationSet({ setting }));
      setSaved(true);
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      className="evaluation-place"
      aria-label="Evaluate on"
      onSubmit={(e) => void save(e)}
      onChange={() => setSaved(false)}
    >
      <fieldset className="card" disabled={stored === null}>
        <legend>Evaluate on</legend>
        <label className="check">
          <input
            type="radio"
            name="evaluate-on"
            checked={kind === 'local'}
            onChange={() => setKind('local')}
          />{' '}
          this computer
        </label>
        <label className="check">
          <input
            type="radio"
            name="evaluate-on"
            checked={kind === 'farm'}
            onChange={() => setKind('farm')}
          />{' '}
          an evaluation farm
        </label>
        {kind === 'farm' && (
          <div className="toolbar evaluation-farm">
            <label>
              Broker URL
              <input
                type="text"
                value={broker}
                placeholder="redis://farm.example:6379"
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => setBroker(e.target.value)}
              />
            </label>
            <label>
              Broker password
              <input
                type="password"
                value={password}
                placeholder={passwordSet ? 'type to replace' : 'none'}
                autoComplete="new-password"
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
            <span className="muted small" data-testid="password-state">
              {clearPassword
                ? 'password: cleared when saved'
                : `password: ${passwordSet ? 'set' : 'not set'}`}
            </span>
            {passwordSet && !clearPassword && (
              <button
                type="button"
                onClick={() => {
                  setClearPassword(true);
                  setPassword('');
                  setSaved(false);
                }}
              >
                Clear password
              </button>
            )}
          </div>
        )}
        <div>
          <button type="submit" disabled={saving}>
            Save
          </button>
        </div>
      </fieldset>
      {kind === 'farm' && (
        <p className="muted small">
          The farm’s nodes get the feature chunks’ CKKS ciphertexts and the evaluation keys, never
          the vault’s key, an image’s name, label or pixels; results come back encrypted and only
          this vault’s key reads them. The password is kept in the vault, encrypted.
        </p>
      )}
      {saved && stored && (
        <p role="status" data-testid="evaluation-saved">
          Saved: classification runs on {describeSetting(stored)}.
        </p>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
