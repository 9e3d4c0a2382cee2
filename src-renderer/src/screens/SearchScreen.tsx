import { useState } from 'react';
import type { IpcResponse } from '../../../src-shared/contract/ipc.ts';
import { api, errorMessage } from '../api.ts';
import { Thumbnail } from '../components/Thumbnail.tsx';
import { TierLabel } from '../components/TierLabel.tsx';
import { useAppState } from '../state.tsx';

export function SearchScreen() {
  const { info, items } = useAppState();
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<IpcResponse<'search:similar'> | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const availability = info?.search;

  if (!availability?.available) {
    return (
      <section>
        <TierLabel tier="obfuscated" />
        <p className="notice" role="status" data-testid="search-unavailable">
          {availability?.reason ?? 'Checking…'}
        </p>
      </section>
    );
  }

  const search = async () => {
    setProblem(null);
    try {
      setResult(await api.searchSimilar({ id: query, k: 8 }));
    } catch (e) {
      setProblem(errorMessage(e));
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
        <button type="button" className="primary" disabled={!query} onClick={() => void search()}>
          Find similar
        </button>
      </div>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {result && (
        <ul className="gallery" aria-label="Similar images" data-testid="search-results">
          {result.results.map((r) => {
            const item = byId.get(r.id);
            return (
              <li key={r.id} className="card tile">
                {item && <Thumbnail item={item} showGrid={false} size={120} />}
                <div className="tile-name">{r.name}</div>
                <div className="small muted">distance {r.distance.toFixed(3)}</div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
