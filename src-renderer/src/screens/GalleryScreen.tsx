import { useState } from 'react';
import { isReadableItem } from '../../../src-shared/contract/ipc.ts';
import { ClassifyPanel } from '../components/ClassifyPanel.tsx';
import { Thumbnail } from '../components/Thumbnail.tsx';
import { TierLabel } from '../components/TierLabel.tsx';
import { useAppState } from '../state.tsx';

export function GalleryScreen() {
  const { items } = useAppState();
  const [showGrid, setShowGrid] = useState(true);
  return (
    <section>
      <TierLabel tier="sealed" />
      <div className="toolbar">
        <ClassifyPanel modelId={null} />
        <label className="check">
          <input
            type="checkbox"
            checked={showGrid}
            onChange={(e) => setShowGrid(e.target.checked)}
          />{' '}
          Show the 4×4 chunk grid (outlined = feature chunk, CKKS-encrypted; number = gradient
          score)
        </label>
      </div>
      {items.length === 0 ? (
        <p className="muted">The vault is empty: import a folder first.</p>
      ) : (
        <ul className="gallery" aria-label="Images">
          {items.map((item) =>
            !isReadableItem(item) ? (
              <li key={item.id} className="card tile tile-error" data-testid="gallery-item-error">
                <div
                  className="thumb thumb-error"
                  style={{ width: 160, height: 160 }}
                  role="img"
                  aria-label="cannot be read"
                />
                <div className="tile-name" title={item.id}>
                  image {item.id.slice(0, 12)}
                </div>
                <p className="error small">{item.error}</p>
              </li>
            ) : (
              <li key={item.id} className="card tile" data-testid="gallery-item">
                <Thumbnail item={item} showGrid={showGrid} />
                <div className="tile-name" title={item.name}>
                  {item.name}
                </div>
                <div className="small">
                  label: <strong>{item.label ?? '—'}</strong>
                  {item.reviewed && <span className="badge">reviewed</span>}
                </div>
                <div className="small" data-testid="prediction">
                  {item.prediction ? (
                    <>
                      predicted <strong>{item.prediction.predicted}</strong> ·{' '}
                      {(item.prediction.confidence * 100).toFixed(0)} %
                    </>
                  ) : (
                    <span className="muted">not classified yet</span>
                  )}
                </div>
              </li>
            ),
          )}
        </ul>
      )}
    </section>
  );
}
