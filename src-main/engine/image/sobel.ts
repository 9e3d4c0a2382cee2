// Sobel gradient magnitude G = sqrt(Gx² + Gy²) with the standard 3×3 kernels
//
//   Gx = [-1 0 +1]      Gy = [-1 -2 -1]
//        [-2 0 +2]           [ 0  0  0]
//        [-1 0 +1]           [+1 +2 +1]
//
// (x grows to the right, y downwards; the signs do not matter for |G|).
//
// It runs on the whole 112×112 image before chunking, so a pixel on a chunk's
// edge sees its real neighbours in the next chunk: a defect crossing a chunk
// boundary is not erased by an artificial border there. Only the image's own
// border needs a rule, and we use reflect-101 (OpenCV's BORDER_DEFAULT, so
// cv2.Sobel gives the same numbers): the row/column just outside mirrors the one
// just inside, without repeating the edge itself — index -1 reads 1 and index n
// reads n-2, e.g. "dcb|abcd|cba". Unlike zero padding this invents no edge along
// the frame, and unlike replicate it does not flatten the gradient there.

/** Maps an out-of-range index into 0..n-1 by reflect-101. */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  // A 3×3 kernel only ever steps one pixel outside, but loop for any i anyway.
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

export function sobelMagnitude(img: Uint8Array, width: number, height: number): Float32Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`invalid image size ${width}×${height}`);
  }
  if (img.length !== width * height) {
    throw new RangeError(`image has ${img.length} pixels, expected ${width}×${height}`);
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const up = reflect101(y - 1, height) * width;
    const mid = y * width;
    const down = reflect101(y + 1, height) * width;
    for (let x = 0; x < width; x++) {
      const left = reflect101(x - 1, width);
      const right = reflect101(x + 1, width);
      const a = img[up + left];
      const b = img[up + x];
      const c = img[up + right];
      const d = img[mid + left];
      const f = img[mid + right];
      const g = img[down + left];
      const h = img[down + x];
      const i = img[down + right];
      const gx = c + 2 * f + i - (a + 2 * d + g);
      const gy = g + 2 * h + i - (a + 2 * b + c);
      out[mid + x] = Math.sqrt(gx * gx + gy * gy);
    }
  }
  return out;
}
