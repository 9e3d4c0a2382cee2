// Similar-image search. The sealed tier is the default: the shipped model gave every image
// it classified an embedding computed under CKKS, so search needs no weaker tier. The
// obfuscated tier is an explicit choice, shown with its warning; it never searches without
// a model of the vault's own domain (it says why and offers to train one).
import { useState } from 'react';
import { isReadableItem } from '../../../src-shared/contract/ipc.ts';
import type { IpcResponse } from '../../../src-shared/contract/ipc.ts';
import { api, errorMessage, newJobId } from '../api.ts';
import { JobStatus } from '../components/ProgressBar.tsx';
import { SearchModelPanel } from '../components/SearchModelPanel.tsx';
import { Thumbnail } from '../components/Thumbnail.tsx';
import { TierLabel } from '../components/TierLabel.tsx';
import { useAppState } from '../state.tsx';

type Tier = 'sealed' | 'obfuscated';
type Similar = IpcResponse<'search:similar'>;

export function SearchScreen() {
  const { info, status, items: all } = useAppState();
  const items = all.filter(isReadableItem); // an unreadable image has no name to pick
  const [tier, setTier] = useState<Tier>('sealed');
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<Similar | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const availability = info?.search;
  const choose = (next: Tier) => {
    setTier(next);
    setResult(null);
    setProblem(null);
  };

  const tierChoice = (
    <fieldset className="card">
      <legend>Search with</legend>
      <label className="check">
        <input
          type="radio"
          name="search-tier"
          checked={tier === 'sealed'}
          onChange={() => choose('sealed')}
        />
        Sealed tier (embeddings computed under CKKS)
      </label>
      <label className="check">
        <input
          type="radio"
          name="search-tier"
          checked={tier === 'obfuscated'}
          onChange={() => choose('obfuscated')}
        />
        Obfuscated tier (weak, see its warning)
      </label>
    </fieldset>
  );

  if (tier === 'obfuscated' && !availability?.available) {
    return (
      <section>
        {tierChoice}
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
    setResult(null);
    setJobId(id);
    setBusy(true);
    try {
      setResult(await api.searchSimilar({ jobId: id, id: query, k: 8, tier }));
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const byId = new Map(items.map((i) => [i.id, i]));

  return (
    <section>
      {tierChoice}
      <TierLabel tier={tier} />
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
        {tier === 'sealed'
          ? 'Ranks the images the shipped model classified: each got an embedding computed under CKKS in the same pass as its scores.'
          : availability?.reason}
      </p>
      {busy && (
        <JobStatus
          jobId={jobId}
          label={tier === 'sealed' ? 'Searching' : 'Indexing for search'}
          problem={null}
        />
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {result && (
        <>
          <p className="muted small" role="status" data-testid="search-summary">
            {summary(result)}
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
                    label <strong>{r.label ?? '—'}</strong> ·{' '}
                    {result.tier === 'sealed' ? 'sealed tier says' : 'obfuscated tier says'}{' '}
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

function summary(result: Similar): string {
  if (result.tier === 'sealed')
    return (
      `${result.results.length} nearest of ${result.indexed} images by sealed embedding ` +
      `(model ${result.modelId})` +
      (result.missing > 0
        ? `; ${result.missing} images have none yet: classify them on the Gallery screen`
        : '') +
      '. Distance is 1 − cosine similarity.'
    );
  return (
    `${result.results.length} nearest images by obfuscated-tier embedding (model ${result.modelId}` +
    (result.newlyIndexed > 0 ? `; ${result.newlyIndexed} images indexed for this search` : '') +
    '). Distance is 1 − cosine similarity.'
  );
}
