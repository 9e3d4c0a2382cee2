import { useEffect } from 'react';
import type { ReadableGalleryItem } from '../../../src-shared/contract/ipc.ts';
import { CHUNKS_PER_SIDE } from '../../../src-shared/domain/geometry.ts';
import { useAppState } from '../state.tsx';

/**
 * A decrypted thumbnail (in memory only) with, optionally, the 4×4 chunk grid on top:
 * feature chunks (CKKS-encrypted) are outlined and tinted, each cell shows its
 * gradient score.
 */
export function Thumbnail({
  item,
  showGrid,
  size = 160,
}: {
  item: ReadableGalleryItem;
  showGrid: boolean;
  size?: number;
}) {
  const { thumbnail, requestThumbnail } = useAppState();
  const url = thumbnail(item.id, size);
  useEffect(() => {
    if (!url) requestThumbnail(item.id, size);
  }, [url, item.id, size, requestThumbnail]);
  return (
    <div className="thumb" style={{ width: size, height: size }}>
      {url ? (
        <img src={url} alt={item.name} width={size} height={size} />
      ) : (
        <div className="thumb-wait" aria-label="decrypting" />
      )}
      {showGrid && <ChunkGrid item={item} />}
    </div>
  );
}

export function ChunkGrid({ item }: { item: ReadableGalleryItem }) {
  const features = item.signedIndices.filter((i) => i > 0).length;
  return (
    <div
      className="grid-overlay"
      role="img"
      aria-label={`${features} of 16 chunks CKKS-encrypted (feature chunks: gradient score above ${item.threshold}, or among the image’s strongest)`}
      style={{ gridTemplateColumns: `repeat(${CHUNKS_PER_SIDE}, 1fr)` }}
    >
      {item.signedIndices.map((signed, position) => (
        <div
          key={position}
          className={signed > 0 ? 'cell feature' : 'cell'}
          title={`chunk ${position + 1}: ${signed > 0 ? 'CKKS (feature)' : 'AES'} · gradient ${item.scores[position]!.toFixed(1)}`}
        >
          <span>{Math.round(item.scores[position]!)}</span>
        </div>
      ))}
    </div>
  );
}
