// A sealed-tier model may be an ensemble of M chunk CNNs whose image score is the sum
// of theirs (engine: sealed/model/chunk-cnn-ensemble.ts). Each member costs one training run and
// one encrypted inference pass, so only a handful is useful.
export const MAX_ENSEMBLE_MEMBERS = 8;
