// The obfuscated tier's face for the app and the CLI: its models, search index, training
// and dataset readers. Everything here runs tfjs, which costs every process that loads it
// ~0.5 s, so callers load this face on demand (`await import`) when a command or screen
// of the obfuscated tier runs, and the sealed tier starts without it (engine/index.ts).
export {
  chooseObfModel,
  obfModelByArgument,
  TRAIN_HINT,
} from './vault/obfuscated/obf-model-choice.ts';
export { obfModelMismatch, vaultLabels } from './vault/obfuscated/obf-domain.ts';
export {
  indexObfuscated,
  obfModelIds,
  readObfResults,
  searchStored,
  storedResultOf,
} from './vault/obfuscated/obf-embeddings.ts';
export { obfKeyFor } from './vault/obfuscated/obf-key.ts';
export {
  prepareVaultObfTraining,
  trainObfOnVault,
  wipeTraining,
} from './vault/obfuscated/obf-vault-training.ts';
export type { VaultObfTraining } from './vault/obfuscated/obf-vault-training.ts';
export { inThreadEmbedder, workerEmbedder } from './obfuscated/obf-embedder.ts';
export type { ObfEmbedder } from './obfuscated/obf-embedder.ts';
export { grayAt, loadObfDataset } from './obfuscated/obf-dataset.ts';
export {
  embeddedKey,
  hasDemoKey,
  instantiateObfNet,
  loadObfModel,
} from './obfuscated/obf-model-file.ts';
export { evaluateObfNet } from './obfuscated/evaluate-obf.ts';
export { disposeNet } from './obfuscated/obf-net.ts';
export { trainObfModel, trainObfOnSplit } from './obfuscated/train-obf-model.ts';
export type { ObfTrainReport } from './obfuscated/train-obf-model.ts';
export type { FitProgress } from './obfuscated/train-obf.ts';
export { initTfWasm } from './ml/tf-wasm.ts';
