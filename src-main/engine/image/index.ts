// Public API of the engine's image pipeline. Callers normally need only
// processImage (and ImageDecodeError to report bad files); the stages are
// exported for tests, benchmarks and tools that inspect intermediate results.

export { IMAGE_EXTENSIONS, hasImageExtension, sniffImageFormat } from './formats.ts';
export type { ImageFormat } from './formats.ts';
export { ImageDecodeError } from './decode-error.ts';
export { decodeImage } from './decode.ts';
export type { DecodeOptions, DecodedImage } from './decode.ts';
export { DEFAULT_MAX_PIXELS } from './pixel-limit.ts';
export { parseBmpHeader } from './bmp.ts';
export type { BmpHeader } from './bmp.ts';
export { lumaBt601, toGrayscale112, RESIZE_KERNEL } from './preprocess.ts';
export { equalizeHistogram } from './equalize.ts';
export { reflect101, sobelMagnitude } from './sobel.ts';
export { checkMinFeatureChunks, chunkScores, cutChunks, selectFeatureChunks } from './chunks.ts';
export type { FeatureSelection } from './chunks.ts';
export { chunkEqualizedImage, processImage } from './pipeline.ts';
export type { ProcessOptions, ProcessedChunk, ProcessedImage } from './pipeline.ts';
