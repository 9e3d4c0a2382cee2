import { expect, it } from 'vitest';
import { obfModelMismatch } from './obf-domain.ts';

const STEEL = new Set(['crazing', 'scratches']);

it('accepts a model whose classes cover every label of the vault', () => {
  expect(
    obfModelMismatch(STEEL, { name: 'steel', classes: ['crazing', 'patches', 'scratches'] }),
  ).toBeNull();
});

it('refuses a model from another domain, naming its classes and the vault labels it lacks', () => {
  const reason = obfModelMismatch(STEEL, { name: 'obf-mednist.json', classes: ['CXR', 'Hand'] });
  expect(reason).toMatch(/obf-mednist\.json was trained on other classes \(CXR, Hand\)/);
  expect(reason).toMatch(/labelled crazing, scratches/);
});

it('refuses every model for a vault without labels', () => {
  expect(obfModelMismatch(new Set(), { name: 'm', classes: ['crazing'] })).toMatch(/no image/);
});
