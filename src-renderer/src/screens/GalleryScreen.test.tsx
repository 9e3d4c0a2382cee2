// The gallery is where a user sees what the vault holds and starts encrypted
// classification, so it is tested through the DOM: each image's label, prediction and
// review state, images that cannot be read (their reason, no made-up values), the chunk
// grid and its toggle, the thumbnails asked for over window.api, and the classification
// job's progress, report and failure.
import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { GalleryItem, IpcResponse } from '../../../src-shared/contract/ipc.ts';
import {
  deferred,
  fake,
  imageId,
  item,
  PNG_DATA_URL,
  predicted,
  progress,
} from '../testing/fake-api.ts';
import { openScreen } from '../testing/render-app.tsx';

type ClassifyReport = IpcResponse<'classify:run'>;

const tiles = () => screen.getAllByTestId('gallery-item');
const tile = (name: string) =>
  tiles().find((t) => within(t).queryByText(name, { selector: '.tile-name' }))!;
const grids = () => screen.queryAllByRole('img', { name: /chunks CKKS-encrypted/ });

function unreadable(error: string): GalleryItem & { error: string } {
  return { id: imageId(), error, reviewed: false, importedAt: '2025-01-01T00:00:00.000Z' };
}

describe('Gallery', () => {
  it('shows each image’s name, label, review state and prediction', async () => {
    await openScreen('Gallery', [
      item('crazing/Cr_1.bmp', {
        label: 'crazing',
        reviewed: true,
        prediction: predicted('crazing', 0.914),
      }),
      item('new/N_1.bmp'),
    ]);
    expect(tiles()).toHaveLength(2);
    const first = tile('crazing/Cr_1.bmp');
    expect(within(first).getByText(/^label:/).textContent).toBe('label: crazingreviewed');
    expect(within(first).getByTestId('prediction').textContent).toBe('predicted crazing · 91 %');
    const second = tile('new/N_1.bmp');
    expect(within(second).getByText(/^label:/).textContent).toBe('label: —');
    expect(within(second).getByTestId('prediction').textContent).toBe('not classified yet');
  });

  it('shows an image that cannot be read by its id and reason only', async () => {
    const broken = unreadable('metadata cannot be decrypted (authentication failed)');
    await openScreen('Gallery', [item('a.bmp'), broken]);
    const [errorTile] = screen.getAllByTestId('gallery-item-error');
    expect(within(errorTile!).getByText(/^image /).textContent).toBe(
      `image ${broken.id.slice(0, 12)}`,
    );
    expect(within(errorTile!).getByText(broken.error).className).toBe('error small');
    expect(within(errorTile!).queryByTestId('prediction')).toBeNull();
    expect(tiles()).toHaveLength(1);
    // No thumbnail is asked for an image that cannot be read.
    await waitFor(() => expect(fake.calls('images:thumbnail')).toHaveLength(1));
    expect(fake.calls('images:thumbnail').map((r) => r.id)).not.toContain(broken.id);
  });

  it('asks for each thumbnail once at grid size and shows it', async () => {
    const items = [item('a.bmp'), item('b.bmp')];
    await openScreen('Gallery', items);
    await waitFor(() => expect(screen.getAllByRole('img', { name: /\.bmp$/ })).toHaveLength(2));
    expect(screen.getByRole<HTMLImageElement>('img', { name: 'a.bmp' }).src).toBe(PNG_DATA_URL);
    expect(fake.calls('images:thumbnail')).toEqual([
      { id: items[0]!.id, size: 160 },
      { id: items[1]!.id, size: 160 },
    ]);
  });

  it('keeps waiting (no image, no crash) when a thumbnail cannot be decrypted', async () => {
    fake.fail('images:thumbnail', 'authentication failed');
    await openScreen('Gallery', [item('a.bmp')]);
    await waitFor(() => expect(fake.calls('images:thumbnail')).toHaveLength(1));
    expect(screen.queryByRole('img', { name: 'a.bmp' })).toBeNull();
    expect(within(tile('a.bmp')).getByLabelText('decrypting')).toBeTruthy();
  });

  it('outlines the feature chunks on the grid, and the toggle hides the grid', async () => {
    const user = await openScreen('Gallery', [item('a.bmp'), item('b.bmp')]);
    expect(grids()).toHaveLength(2);
    const grid = within(tile('a.bmp')).getByRole('img', { name: /chunks CKKS-encrypted/ });
    expect(grid.getAttribute('aria-label')).toMatch(/^4 of 16 chunks CKKS-encrypted .*above 40/);
    const cells = [...grid.children];
    expect(cells).toHaveLength(16);
    expect(
      cells.map((c, i) => (c.className === 'cell feature' ? i : -1)).filter((i) => i >= 0),
    ).toEqual([0, 5, 10, 15]);
    expect(cells[5]!.textContent).toBe('21'); // 5 × 4.2, rounded
    const toggle = screen.getByRole('checkbox', { name: /Show the 4×4 chunk grid/ });
    await user.click(toggle);
    expect(grids()).toEqual([]);
    expect(tiles()).toHaveLength(2);
    await user.click(toggle);
    expect(grids()).toHaveLength(2);
  });

  it('says the vault is empty', async () => {
    await openScreen('Gallery', []);
    expect(screen.getByText('The vault is empty: import a folder first.')).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Images' })).toBeNull();
  });

  it('labels its results with the sealed tier', async () => {
    await openScreen('Gallery', [item('a.bmp')]);
    expect(screen.getByTestId('tier-sealed').textContent).toMatch(
      /^Sealed tier — CKKS homomorphic encryption: classified without decrypting/,
    );
  });
});

describe('Gallery: classify under encryption', () => {
  it('runs with the vault’s model, shows the job’s progress, then the report and the new predictions', async () => {
    const items = [item('a.bmp'), item('b.bmp'), item('c.bmp')];
    const call = deferred<ClassifyReport>();
    fake.handle('classify:run', () => call.promise);
    const user = await openScreen('Gallery', items);
    const button = screen.getByRole<HTMLButtonElement>('button', {
      name: 'Classify under encryption',
    });
    await user.click(button);
    expect(button.disabled).toBe(true);
    const [request] = fake.calls('classify:run');
    expect(request).toEqual({ jobId: request!.jobId, modelId: null });

    act(() =>
      fake.emit(
        progress({
          jobId: request!.jobId,
          kind: 'classify',
          done: 1,
          total: 3,
          etaSeconds: 95,
          message: 'a.bmp',
        }),
      ),
    );
    expect(
      screen.getByRole('progressbar', { name: 'Classifying (CKKS)' }).getAttribute('value'),
    ).toBe('1');
    expect(screen.getByTestId('job-counts').textContent!.trim()).toBe('1 / 3 · ETA 1 min 35 s');

    fake.vault.items = items.map((x) => ({ ...x, prediction: predicted('patches', 0.5) }));
    const listed = fake.calls('images:list').length;
    call.resolve({
      modelId: '00000000000000aa',
      classified: 2,
      skipped: 0,
      failed: [{ id: items[2]!.id, name: 'c.bmp', reason: 'no feature chunk' }],
      cancelled: false,
      seconds: 12.34,
      evaluatedOn: 'this computer (2 evaluation threads)',
    });
    const shown = await screen.findByTestId('classify-report');
    expect(shown.textContent).toBe(
      '2 classified under encryption on this computer (2 evaluation threads) in 12.3 s, 0 already done, 1 failed.',
    );
    expect(screen.getByText('c.bmp', { selector: 'code' }).parentElement!.textContent).toBe(
      'c.bmp — no feature chunk',
    );
    await waitFor(() => expect(fake.calls('images:list')).toHaveLength(listed + 1));
    await waitFor(() =>
      expect(screen.getAllByTestId('prediction').map((p) => p.textContent)).toEqual([
        'predicted patches · 50 %',
        'predicted patches · 50 %',
        'predicted patches · 50 %',
      ]),
    );
    expect(button.disabled).toBe(false);
  });

  it('says when it was cancelled', async () => {
    fake.handle('classify:run', () => ({
      modelId: '00000000000000aa',
      classified: 1,
      skipped: 4,
      failed: [],
      cancelled: true,
      seconds: 2,
      evaluatedOn: 'this computer (2 evaluation threads)',
    }));
    const user = await openScreen('Gallery', [item('a.bmp')]);
    await user.click(screen.getByRole('button', { name: 'Classify under encryption' }));
    expect((await screen.findByTestId('classify-report')).textContent).toBe(
      'Cancelled: 1 classified under encryption on this computer (2 evaluation threads) in 2.0 s, 4 already done.',
    );
  });

  it('shows why classification failed, and the gallery stays', async () => {
    fake.fail('classify:run', 'no sealed-tier model for these classes');
    const user = await openScreen('Gallery', [item('a.bmp')]);
    const button = screen.getByRole<HTMLButtonElement>('button', {
      name: 'Classify under encryption',
    });
    await user.click(button);
    expect((await screen.findByRole('alert')).textContent).toBe(
      'no sealed-tier model for these classes',
    );
    expect(screen.queryByTestId('classify-report')).toBeNull();
    expect(button.disabled).toBe(false);
    expect(tiles()).toHaveLength(1);
  });
});
