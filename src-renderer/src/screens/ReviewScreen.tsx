import { useEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { isReadableItem } from '../../../src-shared/contract/ipc.ts';
import type { ReadableGalleryItem } from '../../../src-shared/contract/ipc.ts';
import { api, errorMessage } from '../api.ts';
import { Thumbnail } from '../components/Thumbnail.tsx';
import { useAppState } from '../state.tsx';

type ReviewedFilter = 'all' | 'unreviewed' | 'reviewed';

export function ReviewScreen() {
  const { items, info, updateItem, setError } = useAppState();
  const classes = info?.classes ?? [];
  const [classFilter, setClassFilter] = useState('');
  const [maxConfidence, setMaxConfidence] = useState(100);
  const [reviewed, setReviewed] = useState<ReviewedFilter>('all');
  const [index, setIndex] = useState(0);
  const [exported, setExported] = useState<string | null>(null);
  const region = useRef<HTMLDivElement>(null);

  const filtered = useMemo(
    () =>
      // An image whose metadata cannot be read cannot be relabelled: the gallery shows it.
      items.filter(isReadableItem).filter((item) => {
        if (classFilter && item.label !== classFilter && item.prediction?.predicted !== classFilter)
          return false;
        if (item.prediction && item.prediction.confidence * 100 > maxConfidence) return false;
        if (reviewed === 'reviewed' && !item.reviewed) return false;
        if (reviewed === 'unreviewed' && item.reviewed) return false;
        return true;
      }),
    [items, classFilter, maxConfidence, reviewed],
  );
  const current: ReadableGalleryItem | undefined = filtered[Math.min(index, filtered.length - 1)];

  useEffect(() => {
    region.current?.focus();
  }, []);

  const setLabel = async (item: ReadableGalleryItem, label: string) => {
    try {
      updateItem(await api.reviewSetLabel({ id: item.id, label }));
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const confirm = async (item: ReadableGalleryItem) => {
    try {
      updateItem(await api.reviewSetReviewed({ id: item.id, reviewed: true }));
      // Under "not reviewed" the confirmed image leaves the list and the next one takes its
      // place: staying put is going on.
      if (reviewed !== 'unreviewed') setIndex((i) => Math.min(i + 1, filtered.length - 1));
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const onKey = (event: KeyboardEvent) => {
    if (!current) return;
    if (event.target !== region.current) return; // leave form controls their keys
    const digit = Number(event.key);
    if (Number.isInteger(digit) && digit >= 1 && digit <= classes.length) {
      event.preventDefault();
      void setLabel(current, classes[digit - 1]!);
    } else if (event.key === 'ArrowRight' || event.key === 'ArrowDown') {
      event.preventDefault();
      setIndex((i) => Math.min(i + 1, filtered.length - 1));
    } else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') {
      event.preventDefault();
      setIndex((i) => Math.max(i - 1, 0));
    } else if (event.key === ' ') {
      event.preventDefault();
      void confirm(current);
    }
  };

  const exportCsv = async () => {
    try {
      const { csv, fileName, rows } = await api.reviewExportCsv({});
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExported(`${fileName}: ${rows} rows`);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <section>
      <div className="toolbar filters" role="group" aria-label="Filters">
        <label>
          Class
          <select value={classFilter} onChange={(e) => setClassFilter(e.target.value)}>
            <option value="">all</option>
            {classes.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Confidence ≤ {maxConfidence} %
          <input
            type="range"
            min={0}
            max={100}
            value={maxConfidence}
            onChange={(e) => setMaxConfidence(Number(e.target.value))}
          />
        </label>
        <label>
          Show
          <select value={reviewed} onChange={(e) => setReviewed(e.target.value as ReviewedFilter)}>
            <option value="all">all</option>
            <option value="unreviewed">not reviewed</option>
            <option value="reviewed">reviewed</option>
          </select>
        </label>
        <button type="button" onClick={() => void exportCsv()}>
          Export CSV
        </button>
        {exported && (
          <span className="muted small" role="status" data-testid="export-status">
            exported {exported}
          </span>
        )}
      </div>
      <p className="muted small" id="review-keys">
        Keys: <kbd>1</kbd>–<kbd>{classes.length}</kbd> set the label (
        {classes.map((c, i) => `${i + 1} ${c}`).join(', ')}
        ), <kbd>←</kbd> <kbd>→</kbd> move, <kbd>Space</kbd> confirm and go on.
      </p>
      <div
        ref={region}
        className="review"
        tabIndex={0}
        role="group"
        aria-label="Review: current image"
        aria-describedby="review-keys"
        onKeyDown={onKey}
        data-autofocus
        data-testid="review-region"
      >
        {current ? (
          <>
            <Thumbnail item={current} showGrid size={320} />
            <div className="review-side">
              <div className="muted small">
                {Math.min(index, filtered.length - 1) + 1} of {filtered.length}
              </div>
              <h2 className="tile-name">{current.name}</h2>
              <p>
                label: <strong data-testid="current-label">{current.label ?? '—'}</strong>{' '}
                {current.reviewed ? (
                  <span className="badge" data-testid="current-reviewed">
                    reviewed
                  </span>
                ) : (
                  <span className="muted small">not reviewed</span>
                )}
              </p>
              <p>
                {current.prediction ? (
                  <>
                    predicted under encryption: <strong>{current.prediction.predicted}</strong> (
                    {(current.prediction.confidence * 100).toFixed(1)} %)
                  </>
                ) : (
                  <span className="muted">not classified yet</span>
                )}
              </p>
              <div className="label-buttons" role="group" aria-label="Set label">
                {classes.map((c, i) => (
                  <button
                    key={c}
                    type="button"
                    className={current.label === c ? 'chip active' : 'chip'}
                    onClick={() => void setLabel(current, c)}
                  >
                    <kbd>{i + 1}</kbd> {c}
                  </button>
                ))}
              </div>
              <button type="button" className="primary" onClick={() => void confirm(current)}>
                Confirm (Space)
              </button>
            </div>
          </>
        ) : (
          <p className="muted">No image matches these filters.</p>
        )}
      </div>
    </section>
  );
}
