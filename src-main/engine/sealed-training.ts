// The sealed tier's training face for the app and the CLI: the chunk CNN's trainer on
// tfjs. tfjs costs every process that loads it ~0.5 s, so callers load this face on
// demand (`await import`, or in a training worker) and the rest of the engine starts
// without it (engine/index.ts).
export { trainChunkCnn, trainFromFolder } from './sealed/train/train-chunk-cnn.ts';
export type { ArchitectureOptions, TrainProgress } from './sealed/train/train-chunk-cnn.ts';
