// NEU-CLS steel surface defect classes, in the order the models use.
export const NEU_CLASSES = [
  'crazing',
  'inclusion',
  'patches',
  'pitted_surface',
  'rolled-in_scale',
  'scratches',
] as const;

export type NeuClass = (typeof NEU_CLASSES)[number];
