// Display thumbnails: the original is decrypted into memory, decoded by the engine's
// decoder (which handles BMP and the decompression-bomb limit), scaled and encoded as a
// PNG data URL. Nothing is written to disk; the bytes live only in this call and in
// the renderer's <img>.
import sharp from 'sharp';
import { decodeImage, decryptOriginal } from '../engine/index.ts';
import type { UnlockedVault } from '../engine/index.ts';

export async function thumbnailDataUrl(
  vault: UnlockedVault,
  id: string,
  size: number,
): Promise<string> {
  const { summary, bytes } = decryptOriginal(vault, id);
  const decoded = await decodeImage(bytes, summary.name);
  bytes.fill(0);
  const png = await sharp(decoded.data, {
    raw: { width: decoded.width, height: decoded.height, channels: decoded.channels },
  })
    .resize(size, size, { fit: 'inside', kernel: 'lanczos3' })
    .png()
    .toBuffer();
  decoded.data.fill(0);
  return `data:image/png;base64,${png.toString('base64')}`;
}
