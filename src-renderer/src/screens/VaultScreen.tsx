import { useState } from 'react';
import type { FormEvent } from 'react';
import { passphraseStrength } from '../../../src-shared/domain/passphrase-strength.ts';
import { api, errorMessage } from '../api.ts';
import { useAppState } from '../state.tsx';
import { FolderField } from '../components/FolderField.tsx';

export function VaultScreen({ onOpened }: { onOpened(): void }) {
  const { status, refreshStatus } = useAppState();
  const [mode, setMode] = useState<'unlock' | 'create'>('unlock');
  const [dir, setDir] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const strength = passphraseStrength(passphrase);
  const unlocked = status?.state === 'unlocked';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    if (mode === 'create' && passphrase !== confirm) {
      setProblem('the two passphrases differ');
      return;
    }
    setBusy(true);
    try {
      if (mode === 'create') await api.vaultCreate({ dir, passphrase });
      else await api.vaultUnlock({ dir, passphrase });
      setPassphrase('');
      setConfirm('');
      await refreshStatus();
      onOpened();
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  if (unlocked) {
    return (
      <section aria-labelledby="vault-open">
        <h2 id="vault-open">Vault unlocked</h2>
        <p>
          <code data-testid="vault-dir">{status.dir}</code> — {status.imageCount} images.
        </p>
        <p className="muted">
          The vault locks itself after {Math.round(status.idleLockSeconds / 60)} minutes without
          activity. Keys stay in the main process; this window never receives them.
        </p>
      </section>
    );
  }

  return (
    <section className="narrow">
      <div className="tabs" role="tablist" aria-label="Open or create">
        {(['unlock', 'create'] as const).map((m) => (
          <button
            key={m}
            type="button"
            role="tab"
            aria-selected={mode === m}
            className={mode === m ? 'tab active' : 'tab'}
            onClick={() => {
              setMode(m);
              setProblem(null);
            }}
          >
            {m === 'unlock' ? 'Unlock a vault' : 'Create a vault'}
          </button>
        ))}
      </div>
      <form
        onSubmit={(e) => void submit(e)}
        className="card"
        aria-label={mode === 'unlock' ? 'Unlock a vault' : 'Create a vault'}
      >
        <FolderField
          label="Vault folder"
          name="dir"
          value={dir}
          onChange={setDir}
          purpose="vault"
          placeholder="/home/you/vaults/steel"
        />
        <label>
          Passphrase
          <input
            name="passphrase"
            type="password"
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
            required
            autoComplete={mode === 'create' ? 'new-password' : 'current-password'}
          />
        </label>
        {mode === 'create' && (
          <>
            <div className="strength" aria-live="polite" data-testid="strength">
              <meter
                min={0}
                max={4}
                low={2}
                high={3}
                optimum={4}
                value={strength.score}
                aria-label="Passphrase strength"
              />
              <span>
                {strength.label}
                {strength.bits > 0 ? ` (≈ ${strength.bits} bits)` : ''}
              </span>
              {strength.hints.length > 0 && (
                <ul className="muted small">
                  {strength.hints.map((h) => (
                    <li key={h}>{h}</li>
                  ))}
                </ul>
              )}
            </div>
            <label>
              Repeat the passphrase
              <input
                name="confirm"
                type="password"
                value={confirm}
                onChange={(e) => setConfirm(e.target.value)}
                required
                autoComplete="new-password"
              />
            </label>
            <p className="muted small">
              There is no recovery: without the passphrase the images cannot be decrypted by anyone.
            </p>
          </>
        )}
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <button
          type="submit"
          className="primary"
          disabled={busy || (mode === 'create' && strength.score === 0)}
        >
          {busy
            ? mode === 'create'
              ? 'Creating…'
              : 'Unlocking…'
            : mode === 'create'
              ? 'Create vault'
              : 'Unlock'}
        </button>
      </form>
      {status && status.recent.length > 0 && (
        <section aria-labelledby="recent">
          <h2 id="recent">Recent vaults</h2>
          <ul className="recent">
            {status.recent.map((r) => (
              <li key={r.dir}>
                <button
                  type="button"
                  className="link"
                  onClick={() => {
                    setDir(r.dir);
                    setMode('unlock');
                  }}
                >
                  {r.dir}
                </button>{' '}
                <span className="muted small">{new Date(r.lastOpened).toLocaleString()}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
