// App-wide state: vault status, app info, the gallery items, thumbnails (in memory
// only, dropped on lock) and the latest progress event of each job.
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { ReactNode } from 'react';
import type {
  GalleryItem,
  IpcResponse,
  ProgressEvent,
  VaultStatus,
} from '../../src-shared/contract/ipc.ts';
import { api, errorMessage } from './api.ts';

type AppInfo = IpcResponse<'app:info'>;

interface AppState {
  info: AppInfo | null;
  status: VaultStatus | null;
  items: GalleryItem[];
  progress: ReadonlyMap<string, ProgressEvent>;
  refreshStatus(): Promise<VaultStatus | null>;
  refreshItems(): Promise<void>;
  /** App info again (after a search model was trained, say). */
  refreshInfo(): Promise<void>;
  updateItem(item: GalleryItem): void;
  thumbnail(id: string, size: number): string | undefined;
  requestThumbnail(id: string, size: number): void;
  error: string | null;
  setError(message: string | null): void;
}

const Context = createContext<AppState | null>(null);

/** Two decoded resolutions: grid tiles, and the large Review view. */
const thumbSize = (display: number) => (display > 160 ? 320 : 160);
const thumbKey = (id: string, display: number) => `${id}@${thumbSize(display)}`;

export function useAppState(): AppState {
  const state = useContext(Context);
  if (!state) throw new Error('useAppState outside AppStateProvider');
  return state;
}

export function AppStateProvider({ children }: { children: ReactNode }) {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [status, setStatus] = useState<VaultStatus | null>(null);
  const [items, setItems] = useState<GalleryItem[]>([]);
  const [progress, setProgress] = useState<Map<string, ProgressEvent>>(new Map());
  const [thumbs, setThumbs] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const pending = useRef(new Set<string>());
  const unlockedDir = status?.state === 'unlocked' ? status.dir : null;

  const refreshStatus = useCallback(async () => {
    try {
      const next = await api.vaultStatus({});
      setStatus(next);
      return next;
    } catch (e) {
      setError(errorMessage(e));
      return null;
    }
  }, []);

  const refreshItems = useCallback(async () => {
    try {
      setItems((await api.imagesList({})).items);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, []);

  const refreshInfo = useCallback(async () => {
    try {
      setInfo(await api.appInfo({}));
    } catch (e) {
      setError(errorMessage(e));
    }
  }, []);

  // App info again whenever the vault, its images or their labels change: which
  // obfuscated-tier model (if any) belongs to the vault depends on its labels.
  const labelsKey = [
    items.length,
    ...new Set(items.map((i) => ('label' in i ? (i.label ?? '') : ''))),
  ]
    .sort()
    .join('|');
  useEffect(() => {
    void refreshInfo();
  }, [unlockedDir, labelsKey, refreshInfo]);

  useEffect(() => {
    void refreshStatus();
    const unsubscribe = api.onProgress((event) =>
      setProgress((old) => new Map(old).set(event.jobId, event)),
    );
    // The vault may lock itself when idle: poll its status (passive, not activity).
    const timer = setInterval(() => void refreshStatus(), 5000);
    return () => {
      unsubscribe();
      clearInterval(timer);
    };
  }, [refreshStatus]);

  // Decrypted thumbnails never outlive the unlocked session.
  useEffect(() => {
    setThumbs(new Map());
    pending.current.clear();
    if (unlockedDir) void refreshItems();
    else setItems([]);
  }, [unlockedDir, refreshItems]);

  const requestThumbnail = useCallback((id: string, size: number) => {
    const key = thumbKey(id, size);
    if (pending.current.has(key)) return;
    pending.current.add(key);
    api.imagesThumbnail({ id, size: thumbSize(size) }).then(
      ({ dataUrl }) => setThumbs((old) => new Map(old).set(key, dataUrl)),
      () => pending.current.delete(key),
    );
  }, []);

  const updateItem = useCallback(
    (item: GalleryItem) => setItems((old) => old.map((x) => (x.id === item.id ? item : x))),
    [],
  );

  const value = useMemo<AppState>(
    () => ({
      info,
      status,
      items,
      progress,
      refreshStatus,
      refreshItems,
      refreshInfo,
      updateItem,
      thumbnail: (id, size) => thumbs.get(thumbKey(id, size)),
      requestThumbnail,
      error,
      setError,
    }),
    [
      info,
      status,
      items,
      progress,
      refreshStatus,
      refreshItems,
      refreshInfo,
      updateItem,
      thumbs,
      requestThumbnail,
      error,
    ],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}
