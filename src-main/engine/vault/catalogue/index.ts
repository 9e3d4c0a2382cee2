// The catalogue repository's public surface: the Catalogue (its read and write handles),
// the catalogue file's name, and every table group's typed rows. The SQL, the statement
// guards and the database handle stay inside this folder.
export { Catalogue } from './catalogue.ts';
export type { CatalogueAccess, CatalogueReader, CatalogueWriter } from './catalogue.ts';
export { CATALOGUE_FILE } from './catalogue-file.ts';
export type { ClassificationRow } from './classifications.ts';
export type { ImageItemRow } from './image-items.ts';
export type {
  CiphertextRow,
  ImageRow,
  ImageStoredBytes,
  StoredCiphertext,
  StoredImage,
} from './images.ts';
export type { KeysetRow, NewKeyset, WrappedSecretRow } from './keysets.ts';
export type {
  LaneBatchRow,
  LaneCiphertextRow,
  StoredLaneBatch,
  StoredLaneImage,
} from './lane-batches.ts';
export type { StoredModelRow } from './models.ts';
export type { SettingRow } from './settings.ts';
