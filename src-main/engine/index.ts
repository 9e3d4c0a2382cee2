// The engine's public API: a plain Node library (never Electron) used by the CLI,
// the Electron shell, tests and benchmarks.
export {
  assertIsVault,
  initVault,
  openVault,
  UnlockedVault,
  VaultError,
  HEADER_FILE,
} from './vault/vault.ts';
export type { InitVaultOptions, CkksKeyset } from './vault/vault.ts';
export { importFolder, importFolderWithLayout, DEFAULT_MAX_PIXELS } from './vault/import-folder.ts';
export { LANES_MIN_IMAGES, LAYOUT_CHOICES } from './sealed/layouts/layout.ts';
export type { Layout, LayoutChoice } from './sealed/layouts/layout.ts';
export type {
  ImportOptions,
  ImportProgress,
  ImportReport,
  ImportFailure,
} from './vault/import-folder.ts';
export {
  listImages,
  getImage,
  decryptOriginal,
  exportOriginal,
  decryptChunkGrid,
} from './vault/read-image.ts';
export { verifyVault } from './vault/verify-vault.ts';
export { searchSealed } from './vault/sealed-search.ts';
export type { SealedSearchHit, SealedSearchResult } from './vault/sealed-search.ts';
export { CATALOGUE_FILE } from './vault/catalogue/index.ts';
export { classifyVault, readClassifications } from './vault/classify.ts';
export type {
  ClassifyOptions,
  ClassifyProgress,
  ClassifyReport,
  StoredClassification,
} from './vault/classify.ts';
export { localEvaluation } from './sealed/inference/evaluation-backend.ts';
export type { EvaluationBackend } from './sealed/inference/evaluation-backend.ts';
export { loadModel, parseModel, serializeModel } from './sealed/model/model-file.ts';
export type { LoadedModel, ModelFile } from './sealed/model/model-file.ts';
export {
  OBFUSCATION_CONDITIONS,
  createObfuscator,
  generateObfuscationKey,
} from './obfuscated/arnold-xor.ts';
export type { ObfuscationCondition, Obfuscator } from './obfuscated/arnold-xor.ts';
export { barChartSvg, heatmapSvg, histogramSvg, lineChartSvg } from './report/charts.ts';
export { analyzeObfuscation, TIER_LABEL } from './obfuscated/analysis/security-report.ts';
export type { SecurityReport } from './obfuscated/analysis/security-report.ts';
export {
  formatSecurityReport,
  securityCharts,
} from './obfuscated/analysis/security-report-output.ts';
export { loadSquareImages } from './obfuscated/analysis/load-square-images.ts';
// What the app, the CLI and the preview server use beside the above (the tiers' tfjs
// parts have faces of their own: obfuscated-tier.ts and sealed-training.ts).
export type { KdfParams } from './crypto/index.ts';
export { decodeImage, processImage } from './image/index.ts';
export { metricsFromConfusion } from './metrics/classification.ts';
export { TrainingCancelled } from './ml/training-schedule.ts';
export { EXAMPLE_COLUMNS, exampleGridPng } from './obfuscated/analysis/example-grid.ts';
export { toGraySquare } from './obfuscated/analysis/load-square-images.ts';
export {
  SCHEME_DESCRIPTION,
  analyzeObfuscationWithExamples,
} from './obfuscated/analysis/security-report.ts';
export { ARCHITECTURES, isArchitecture } from './obfuscated/architectures.ts';
export { MAX_OBFUSCATION_SIZE } from './obfuscated/arnold-xor.ts';
export { parseObfModel } from './obfuscated/obf-model-file.ts';
export type { LoadedObfModel } from './obfuscated/obf-model-file.ts';
export { DEFAULT_CKKS_PRESET } from './sealed/ckks/ckks-presets.ts';
export { scoreScaleFor } from './sealed/ckks/he-safety.ts';
export { evaluateFolder } from './sealed/inference/evaluate-model.ts';
export type { EvaluationReport, SideFigures } from './sealed/inference/evaluate-model.ts';
export type { Activation } from './sealed/model/chunk-cnn.ts';
export { combineModels } from './sealed/train/ensemble-model.ts';
export { addEmbeddingHead } from './sealed/train/add-embedding-head.ts';
export {
  EMBEDDING_DIMS,
  retrievalVector,
  splitOutputs,
  withEmbeddingHead,
} from './sealed/model/embedding-head.ts';
export { loadLabelledFolder } from './sealed/train/labelled-folder.ts';
export type { LabelledFolder, LabelledImage } from './sealed/train/labelled-folder.ts';
export {
  EvaluationSettingError,
  farmBrokerUrl,
  readEvaluationSetting,
  writeEvaluationSetting,
} from './vault/evaluation-setting.ts';
export type { EvaluationSetting } from './vault/evaluation-setting.ts';
export { galleryEntry, galleryListing, isGalleryError } from './vault/gallery.ts';
export type { GalleryEntry, GalleryError } from './vault/gallery.ts';
export { evaluateOnVault } from './vault/model-evaluation.ts';
export { storeObfVaultModel } from './vault/obfuscated/obf-vault-models.ts';
export { reviewCsv } from './vault/review-csv.ts';
export { setImageLabel, setReviewed } from './vault/review-state.ts';
export { listVaultModels, loadVaultModel, storeVaultModel } from './vault/vault-models.ts';
