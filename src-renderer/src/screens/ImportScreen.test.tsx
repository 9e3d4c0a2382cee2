// Importing is the first long job a user starts, so its screen is tested through the
// DOM: what the form sends over window.api, how the job's progress events are shown
// while the call is open (and only that job's), Cancel, the final report with the files
// that could not be read, and a failed import's message.
import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { IpcResponse } from '../../../src-shared/contract/ipc.ts';
import {
  DEFAULT_FEATURE_THRESHOLD,
  DEFAULT_MIN_FEATURE_CHUNKS,
} from '../../../src-shared/domain/geometry.ts';
import { deferred, fake, item, progress } from '../testing/fake-api.ts';
import { currentScreen, openScreen } from '../testing/render-app.tsx';

type ImportReport = IpcResponse<'import:run'>;

function report(fields: Partial<ImportReport> = {}): ImportReport {
  return {
    folder: '/data/inspections',
    candidates: 3,
    imported: 3,
    duplicates: 0,
    failed: [],
    skippedNonImages: 0,
    lowGradient: 0,
    cancelled: false,
    seconds: 1.5,
    imagesPerSecond: 2,
    importedIds: [],
    ...fields,
  };
}

const form = () => screen.getByRole('form', { name: 'Import a folder' });
const importButton = () =>
  within(form()).getByRole<HTMLButtonElement>('button', { name: 'Import' });
const folderField = () => screen.getByLabelText('Folder to import (path on this computer)');

async function startImport(folder = '/data/inspections') {
  const user = await openScreen('Import');
  await user.type(folderField(), folder);
  return user;
}

describe('Import', () => {
  it('sends the folder and the form’s settings', async () => {
    const user = await startImport();
    expect(screen.getByLabelText<HTMLInputElement>(/^Feature-chunk threshold/).value).toBe(
      String(DEFAULT_FEATURE_THRESHOLD),
    );
    await user.click(screen.getByLabelText(/^Labels from sub-folder names/));
    const threshold = screen.getByLabelText(/^Feature-chunk threshold/);
    await user.clear(threshold);
    await user.type(threshold, '55');
    await user.click(importButton());
    await screen.findByTestId('import-report');
    const [request] = fake.calls('import:run');
    expect(request).toEqual({
      jobId: request!.jobId,
      folder: '/data/inspections',
      labelsFromFolders: false,
      threshold: 55,
      minFeatureChunks: DEFAULT_MIN_FEATURE_CHUNKS,
    });
  });

  it('shows the job’s own progress events while it runs, and Cancel cancels that job', async () => {
    const call = deferred<ImportReport>();
    fake.handle('import:run', () => call.promise);
    const user = await startImport();
    await user.click(importButton());
    expect(importButton().disabled).toBe(true);
    expect(screen.getByTestId('job-message').textContent).toBe('starting…');
    const { jobId } = fake.calls('import:run')[0]!;

    act(() =>
      fake.emit(progress({ jobId, done: 2, total: 13, etaSeconds: 7, message: 'Cr_2.bmp' })),
    );
    expect(screen.getByTestId('job-counts').textContent!.trim()).toBe('2 / 13 · ETA 7 s');
    expect(screen.getByTestId('job-message').textContent).toBe('Cr_2.bmp');
    expect(screen.getByRole('progressbar', { name: 'Importing' }).getAttribute('value')).toBe('2');

    // Another job's events are not this one's.
    act(() => fake.emit(progress({ jobId: 'other-job-1', done: 9, total: 9, message: 'other' })));
    expect(screen.getByTestId('job-counts').textContent!.trim()).toBe('2 / 13 · ETA 7 s');

    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(fake.calls('job:cancel')).toEqual([{ jobId }]);

    act(() =>
      fake.emit(progress({ jobId, phase: 'cancelled', done: 5, total: 13, message: '5 imported' })),
    );
    expect(screen.getByTestId('job-message').textContent).toBe('cancelled: 5 imported');
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    call.resolve(report({ imported: 5, cancelled: true }));
    expect(
      within(await screen.findByTestId('import-report')).getByRole('heading').textContent,
    ).toBe('Import cancelled');
    expect(importButton().disabled).toBe(false);
  });

  it('reports what was imported and lists the files that could not be read', async () => {
    fake.handle('import:run', () =>
      report({
        imported: 12,
        duplicates: 2,
        skippedNonImages: 1,
        lowGradient: 3,
        imagesPerSecond: 4.25,
        failed: [{ file: 'scratches/Sc_broken.bmp', reason: 'not a BMP file' }],
      }),
    );
    const user = await startImport();
    await user.click(importButton());
    const shown = await screen.findByTestId('import-report');
    expect(within(shown).getByRole('heading', { level: 2 }).textContent).toBe('Import finished');
    expect(within(shown).getByText(/imported,/).textContent).toBe(
      '12 imported, 2 duplicates, 1 could not be read, 1 other files skipped (4.3 images/s). 3 had no chunk above the threshold (their strongest chunks were used).',
    );
    expect(
      within(shown)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['scratches/Sc_broken.bmp — not a BMP file']);
  });

  it('refreshes the images and the vault status, then opens the gallery with them', async () => {
    const user = await startImport();
    const listed = fake.calls('images:list').length;
    const statuses = fake.calls('vault:status').length;
    fake.handle('import:run', () => {
      fake.vault.items = [item('crazing/Cr_1.bmp'), item('crazing/Cr_2.bmp')];
      return report({ imported: 2 });
    });
    await user.click(importButton());
    await screen.findByTestId('import-report');
    await waitFor(() => expect(fake.calls('images:list')).toHaveLength(listed + 1));
    expect(fake.calls('vault:status').length).toBeGreaterThan(statuses);
    await user.click(screen.getByRole('button', { name: 'Open the gallery' }));
    expect(currentScreen()).toBe('Gallery');
    expect(screen.getAllByTestId('gallery-item')).toHaveLength(2);
  });

  it('shows why an import failed and lets the user try again', async () => {
    fake.fail('import:run', 'no such folder: /data/nope');
    const user = await startImport('/data/nope');
    await user.click(importButton());
    const alert = await within(screen.getByRole('main')).findByRole('alert');
    expect(alert.textContent).toBe('no such folder: /data/nope');
    expect(screen.queryByTestId('import-report')).toBeNull();
    expect(importButton().disabled).toBe(false);
    expect(currentScreen()).toBe('Import');
  });

  it('fills the folder from the native dialog when there is one', async () => {
    fake.vault.folderPicker = true;
    const user = await openScreen('Import');
    fake.handle('dialog:choose-folder', () => ({ path: '/picked/folder' }));
    await user.click(await screen.findByRole('button', { name: 'Browse…' }));
    await waitFor(() => expect((folderField() as HTMLInputElement).value).toBe('/picked/folder'));
    expect(fake.calls('dialog:choose-folder')).toEqual([{ purpose: 'import' }]);
    // Cancelling the dialog keeps what is there.
    fake.handle('dialog:choose-folder', () => ({ path: null }));
    await user.click(screen.getByRole('button', { name: 'Browse…' }));
    await waitFor(() => expect(fake.calls('dialog:choose-folder')).toHaveLength(2));
    expect((folderField() as HTMLInputElement).value).toBe('/picked/folder');
  });

  it('offers no Browse button without a native dialog', async () => {
    await openScreen('Import');
    expect(screen.queryByRole('button', { name: 'Browse…' })).toBeNull();
  });
});
