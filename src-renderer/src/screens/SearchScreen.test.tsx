// The Search screen searches sealed embeddings by default; the obfuscated tier is an
// explicit choice that never shows a result it has no model of the vault's domain for:
// when unavailable it says why and offers to train a search model on the vault, and once
// one is trained it searches as a job (progress, cancel). Tested through the DOM.
import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { TIER_LABELS } from '../../../src-shared/contract/ipc.ts';
import type { IpcResponse } from '../../../src-shared/contract/ipc.ts';
import { deferred, fake, item, progress } from '../testing/fake-api.ts';
import { openScreen } from '../testing/render-app.tsx';

type Info = IpcResponse<'app:info'>;
type Similar = IpcResponse<'search:similar'>;
type TrainReport = IpcResponse<'search:train-model'>;

function searchAvailable(reason: string) {
  fake.handle(
    'app:info',
    () =>
      ({
        version: '0.0.0-test',
        classes: fake.vault.classes,
        tierLabels: { ...TIER_LABELS },
        search: { available: true, reason },
        security: { available: false, reason: 'n/a' },
        folderPicker: false,
      }) satisfies Info,
  );
}

describe('Search', () => {
  it('without a model of the vault’s domain: the reason, no search, and Train search model', async () => {
    const report = deferred<TrainReport>();
    fake.handle('search:train-model', () => report.promise);
    const user = await openScreen('Search', [item('a.bmp'), item('b.bmp')]);
    await user.click(screen.getByRole('radio', { name: /Obfuscated tier/ }));
    expect(screen.getByTestId('search-unavailable').textContent).toBe(
      'no obfuscated-tier model for this vault',
    );
    expect(screen.queryByRole('button', { name: 'Find similar' })).toBeNull();
    const form = screen.getByRole('form', { name: 'Train a search model' });
    await user.clear(within(form).getByLabelText('Epochs'));
    await user.type(within(form).getByLabelText('Epochs'), '7');
    await user.click(within(form).getByRole('button', { name: 'Train search model' }));
    const [request] = fake.calls('search:train-model');
    expect(request).toMatchObject({ epochs: 7, validationFraction: 0.2 });
    // Progress of that job, with its ETA and a Cancel that names the job.
    act(() =>
      fake.emit(
        progress({
          jobId: request!.jobId,
          kind: 'train',
          done: 3,
          total: 10,
          etaSeconds: 12,
          message: 'epoch 1/7, loss 1.2000',
        }),
      ),
    );
    expect(screen.getByTestId('job-counts').textContent).toMatch(/3 \/ 10 · ETA 12 s/);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(fake.calls('job:cancel')).toEqual([{ jobId: request!.jobId }]);
    // Once trained, the app is asked again which model search uses.
    const infoCalls = fake.calls('app:info').length;
    searchAvailable('Obfuscated-tier model: vault model 0123456789abcdef.');
    report.resolve({
      modelId: '0123456789abcdef',
      classes: ['crazing', 'inclusion'],
      images: { train: 2, validation: 0 },
      validation: null,
      seconds: 1.5,
    });
    await waitFor(() => expect(fake.calls('app:info').length).toBeGreaterThan(infoCalls));
    await screen.findByRole('button', { name: 'Find similar' });
    expect(screen.getByTestId('search-model').textContent).toMatch(/vault model 0123456789abcdef/);
  });

  it('says why training failed and keeps the screen usable', async () => {
    fake.fail('search:train-model', 'training needs labelled images of at least two classes');
    const user = await openScreen('Search', [item('a.bmp')]);
    await user.click(screen.getByRole('radio', { name: /Obfuscated tier/ }));
    await user.click(screen.getByRole('button', { name: 'Train search model' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'training needs labelled images of at least two classes',
    );
    expect(screen.getByRole('button', { name: 'Train search model' })).toHaveProperty(
      'disabled',
      false,
    );
  });

  it('searches as a job and lists the nearest images with their distance', async () => {
    searchAvailable('Obfuscated-tier model: vault model 0123456789abcdef.');
    const a = item('a.bmp', { label: 'crazing' });
    const b = item('b.bmp', { label: 'crazing' });
    const answer = deferred<Similar>();
    fake.handle('search:similar', () => answer.promise);
    const user = await openScreen('Search', [a, b]);
    await user.click(screen.getByRole('radio', { name: /Obfuscated tier/ }));
    await user.selectOptions(screen.getByLabelText('Find images similar to'), a.id);
    await user.click(screen.getByRole('button', { name: 'Find similar' }));
    const [request] = fake.calls('search:similar');
    expect(request).toMatchObject({ id: a.id, k: 8, tier: 'obfuscated' });
    act(() =>
      fake.emit(
        progress({ jobId: request!.jobId, kind: 'search', done: 1, total: 2, etaSeconds: 1 }),
      ),
    );
    expect(screen.getByTestId('job-counts').textContent).toMatch(/1 \/ 2/);
    answer.resolve({
      tier: 'obfuscated',
      tierLabel: TIER_LABELS.obfuscated,
      query: a.id,
      modelId: '0123456789abcdef',
      newlyIndexed: 2,
      results: [
        { id: b.id, name: 'b.bmp', label: 'crazing', predicted: 'crazing', distance: 0.25 },
      ],
    });
    const hits = await screen.findAllByTestId('search-hit');
    expect(hits).toHaveLength(1);
    expect(hits[0]!.textContent).toMatch(/b\.bmp.*label crazing.*distance 0\.250/);
    expect(screen.getByTestId('search-summary').textContent).toMatch(
      /2 images indexed for this search/,
    );
  });

  it('searches sealed embeddings by default, with the sealed label and what is missing', async () => {
    const a = item('a.bmp', { label: 'crazing' });
    const b = item('b.bmp', { label: 'inclusion' });
    fake.handle(
      'search:similar',
      () =>
        ({
          tier: 'sealed',
          tierLabel: TIER_LABELS.sealed,
          query: a.id,
          modelId: 'f42c592b0e71377f',
          indexed: 2,
          missing: 1,
          results: [
            { id: b.id, name: 'b.bmp', label: 'inclusion', predicted: 'inclusion', distance: 0.5 },
          ],
        }) satisfies Similar,
    );
    // Search is available without any obfuscated-tier model: the sealed tier needs none.
    const user = await openScreen('Search', [a, b]);
    expect(screen.getByRole('radio', { name: /Sealed tier/ })).toHaveProperty('checked', true);
    expect(screen.getByTestId('tier-sealed').textContent).toMatch(/Sealed tier/);
    expect(screen.queryByTestId('tier-obfuscated')).toBeNull();
    expect(screen.queryByTestId('search-unavailable')).toBeNull();
    await user.selectOptions(screen.getByLabelText('Find images similar to'), a.id);
    await user.click(screen.getByRole('button', { name: 'Find similar' }));
    expect(fake.calls('search:similar')[0]).toMatchObject({ id: a.id, k: 8, tier: 'sealed' });
    const hits = await screen.findAllByTestId('search-hit');
    expect(hits[0]!.textContent).toMatch(
      /b\.bmp.*label inclusion.*sealed tier says inclusion.*distance 0\.500/,
    );
    expect(screen.getByTestId('search-summary').textContent).toMatch(
      /1 nearest of 2 images by sealed embedding.*1 images have none yet: classify them/,
    );
  });

  it('says why a sealed search cannot run yet', async () => {
    fake.fail('search:similar', 'Sealed search is not available yet: classify the vault with it');
    const a = item('a.bmp');
    const user = await openScreen('Search', [a]);
    await user.selectOptions(screen.getByLabelText('Find images similar to'), a.id);
    await user.click(screen.getByRole('button', { name: 'Find similar' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/classify the vault/);
    expect(screen.getByRole('button', { name: 'Find similar' })).toHaveProperty('disabled', false);
  });
});
