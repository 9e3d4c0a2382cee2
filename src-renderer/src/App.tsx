import { useEffect, useRef, useState } from 'react';
import { AppStateProvider, useAppState } from './state.tsx';
import { api, errorMessage } from './api.ts';
import { VaultScreen } from './screens/VaultScreen.tsx';
import { ImportScreen } from './screens/ImportScreen.tsx';
import { GalleryScreen } from './screens/GalleryScreen.tsx';
import { ReviewScreen } from './screens/ReviewScreen.tsx';
import { ModelScreen } from './screens/ModelScreen.tsx';
import { SearchScreen } from './screens/SearchScreen.tsx';
import { SecurityScreen } from './screens/SecurityScreen.tsx';

const SCREENS = [
  { id: 'vault', title: 'Vault', needsVault: false },
  { id: 'import', title: 'Import', needsVault: true },
  { id: 'gallery', title: 'Gallery', needsVault: true },
  { id: 'review', title: 'Review', needsVault: true },
  { id: 'model', title: 'Model', needsVault: true },
  { id: 'search', title: 'Search', needsVault: true },
  { id: 'security', title: 'Security', needsVault: false },
] as const;
type ScreenId = (typeof SCREENS)[number]['id'];

export function App() {
  return (
    <AppStateProvider>
      <Shell />
    </AppStateProvider>
  );
}

function Shell() {
  const { status, error, setError, refreshStatus } = useAppState();
  const [screen, setScreen] = useState<ScreenId>('vault');
  const unlocked = status?.state === 'unlocked';
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (!unlocked && SCREENS.find((s) => s.id === screen)?.needsVault) setScreen('vault');
  }, [unlocked, screen]);

  const go = (id: ScreenId) => {
    setScreen(id);
    setError(null);
    // Focus goes to the new screen's heading, unless the screen names the element its keys
    // work on (Review's image region): then there, so its keys work at once.
    requestAnimationFrame(() =>
      (document.querySelector<HTMLElement>('main [data-autofocus]') ?? heading.current)?.focus(),
    );
  };

  const lock = async () => {
    try {
      await api.vaultLock({});
      await refreshStatus();
      go('vault');
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <div className="layout">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Screens">
        <div className="brand">
          <span aria-hidden="true">◈</span> SealSight
        </div>
        <ul>
          {SCREENS.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                className={screen === s.id ? 'nav active' : 'nav'}
                aria-current={screen === s.id ? 'page' : undefined}
                disabled={s.needsVault && !unlocked}
                onClick={() => go(s.id)}
              >
                {s.title}
              </button>
            </li>
          ))}
        </ul>
        <div className="vault-state" role="status" aria-live="polite">
          {unlocked ? (
            <>
              <span className="dot ok" aria-hidden="true" /> Unlocked
              {status?.headerRestoredFromBackup && (
                <div className="small" role="alert">
                  vault.json was missing or damaged: unlocked from vault.json.bak and restored it
                </div>
              )}
              <div className="muted small" title={status?.dir ?? ''}>
                {status?.imageCount} images
              </div>
              <button type="button" onClick={() => void lock()}>
                Lock
              </button>
            </>
          ) : (
            <>
              <span className="dot" aria-hidden="true" /> Locked
              {status?.lockedReason === 'idle' && (
                <div className="muted small">
                  locked after {Math.round(status.idleLockSeconds / 60)} min idle
                </div>
              )}
            </>
          )}
        </div>
      </nav>
      <main id="main" className="content">
        <h1 ref={heading} tabIndex={-1}>
          {SCREENS.find((s) => s.id === screen)!.title}
        </h1>
        {error && (
          <div className="error" role="alert">
            {error}{' '}
            <button type="button" className="link" onClick={() => setError(null)}>
              Dismiss
            </button>
          </div>
        )}
        {screen === 'vault' && <VaultScreen onOpened={() => go('import')} />}
        {screen === 'import' && <ImportScreen onDone={() => go('gallery')} />}
        {screen === 'gallery' && <GalleryScreen />}
        {screen === 'review' && <ReviewScreen />}
        {screen === 'model' && <ModelScreen />}
        {screen === 'search' && <SearchScreen />}
        {screen === 'security' && <SecurityScreen />}
      </main>
    </div>
  );
}
