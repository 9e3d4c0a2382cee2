// Histogram equalisation, the paper's H(v) = Σ_{i≤v} h(i) rescaled to 0..255.
//
// "Rescaled" is ambiguous (divide by N? subtract the first bin?), so we follow
// OpenCV's cv2.equalizeHist exactly, the de facto reference implementation:
//
//   lut[v] = round((cdf[v] - cdfMin) * 255 / (N - cdfMin))
//
// where N is the pixel count and cdfMin = cdf of the darkest value present. The
// darkest value therefore maps to 0 and the brightest to 255. A constant image
// (N === cdfMin) has no contrast to stretch and is returned unchanged, as OpenCV
// does. To be bit-for-bit identical, the arithmetic is done in float32 like
// OpenCV's (float scale, int*float product) and rounded half-to-even like cvRound.

export function equalizeHistogram(gray: Uint8Array): Uint8Array {
  const total = gray.length;
  const histogram = new Uint32Array(256);
  for (let i = 0; i < total; i++) histogram[gray[i]]++;

  let darkest = 0;
  while (darkest < 256 && histogram[darkest] === 0) darkest++;
  if (darkest === 256 || histogram[darkest] === total) return gray.slice();

  const cdfMin = histogram[darkest];
  const scale = Math.fround(255 / (total - cdfMin));
  const lut = new Uint8Array(256);
  let sinceDarkest = 0;
  for (let v = darkest + 1; v < 256; v++) {
    sinceDarkest += histogram[v];
    lut[v] = roundHalfToEven(Math.fround(sinceDarkest * scale));
  }

  const out = new Uint8Array(total);
  for (let i = 0; i < total; i++) out[i] = lut[gray[i]];
  return out;
}

/** cvRound semantics (lrint in the default rounding mode), clamped to a byte. */
function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  let rounded = diff > 0.5 ? floor + 1 : diff < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
  if (rounded < 0) rounded = 0;
  return rounded > 255 ? 255 : rounded;
}
