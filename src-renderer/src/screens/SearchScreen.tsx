import { useState } from 'react';
import { isReadableItem } from '../../../src-shared/contract/ipc.ts';
import type { IpcResponse } from '../../../src-shared/contract/ipc.ts';
import { api, errorMessage, newJobId } from '../api.ts';
import { JobStatus } from '../components/ProgressBar.tsx';
import { SearchModelPanel } from '../components/SearchModelPanel.tsx';
import { Thumbnail } from '../components/Thumbnail.tsx';
import { TierLabel } from '../components/TierLabel.tsx';
import { useAppState } from '../state.tsx';

export function SearchScreen() {
  const { info, status, items: all } = useAppState();
  const items = all.filter(isReadableItem); // an unreadable image has no name to pick
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<IpcResponse<'search:similar'> | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const availability = info?.search;

  if (!availability?.available) {
    return (
      <section>
        <TierLabel tier="obfuscated" />
        <p className="notice" role="status" data-testid="search-unavailable">
          {availability?.reason ?? 'Checking…'}
        </p>
        {status?.state === 'unlocked' && <SearchModelPanel />}
      </section>
    );
  }

  const search = async () => {
    const id = newJobId();
    setProblem(null);
    setJobId(id);
    setBusy(true);
    try {
      setResult(await api.searchSimilar({ jobId: id, id: query, k: 8 }));
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const byId = new Map(items.map((i) => [i.id, i]));

  return (
    <section>
      <TierLabel tier="obfuscated" />
      <div className="toolbar">
        <label>
          Find images similar to
          <select value={query} onChange={(e) => setQuery(e.target.value)}>
            <option value="">choose an image…</option>
            {items.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="primary"
          disabled={!query || busy}
          onClick={() => void search()}
        >
          {busy ? 'Searching…' : 'Find similar'}
        </button>
        {query && byId.get(query) && (
          <Thumbnail item={byId.get(query)!} showGrid={false} size={72} />
        )}
      </div>
      <p className="muted small" data-testid="search-model">
        {availability.reason}
      </p>
      {busy && <JobStatus jobId={jobId} label="Indexing for search" problem={null} />}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {result && (
        <>
          <p className="muted small" role="status" data-testid="search-summary">
            {result.results.length} nearest images by obfuscated-tier embedding (model{' '}
            <code>{result.modelId}</code>
            {result.newlyIndexed > 0
              ? `; ${result.newlyIndexed} images indexed for this search`
              : ''}
            ). Distance is 1 − cosine similarity.
          </p>
          <ul className="gallery" aria-label="Similar images" data-testid="search-results">
            {result.results.map((r) => {
              const item = byId.get(r.id);
              return (
                <li key={r.id} className="card tile" data-testid="search-hit">
                  {item && <Thumbnail item={item} showGrid={false} size={120} />}
                  <div className="tile-name" title={r.name}>
                    {r.name}
                  </div>
                  <div className="small">
                    label <strong>{r.label ?? '—'}</strong> · obfuscated tier says{' '}
                    <strong>{r.predicted}</strong>
                  </div>
                  <div className="small muted" data-testid="search-distance">
                    distance {r.distance.toFixed(3)}
                  </div>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}
