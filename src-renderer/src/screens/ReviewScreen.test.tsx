// The Review screen is where a user relabels the vault from the keyboard, so its key
// handling and filters are tested through the DOM: the keys it documents (1–N label,
// arrows move, Space confirms and goes on), which image each key acts on, what it sends
// over window.api, and that a failed call shows its message and leaves the screen usable.
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { GalleryItem } from '../../../src-shared/contract/ipc.ts';
import { CLASSES, fake, imageId, item, predicted } from '../testing/fake-api.ts';
import { currentScreen, openScreen } from '../testing/render-app.tsx';

const region = () => screen.getByTestId('review-region');
/** The name of the image under review (its h2), or null when none matches. */
const current = () => within(region()).queryByRole('heading', { level: 2 })?.textContent ?? null;
const position = () => within(region()).getByText(/^\d+ of \d+$/).textContent;
const label = () => screen.getByTestId('current-label').textContent;

/** Opens Review on these images with the keyboard on the review region. */
async function review(items: GalleryItem[]) {
  const user = await openScreen('Review', items);
  await waitFor(() => expect(current()).not.toBeNull());
  act(() => region().focus());
  return user;
}

describe('Review: keyboard', () => {
  it('documents the keys with the vault’s classes in order', async () => {
    await review([item('a.bmp')]);
    expect(screen.getByText(/^Keys:/).textContent).toBe(
      'Keys: 1–5 set the label (1 crazing, 2 inclusion, 3 patches, 4 pitted_surface, 5 scratches), ← → move, Space confirm and go on.',
    );
  });

  it('sets the label of the image shown with its digit key, and stays on it', async () => {
    const [a, b] = [item('a.bmp'), item('b.bmp')];
    const user = await review([a, b]);
    await user.keyboard('5');
    await waitFor(() => expect(label()).toBe('scratches'));
    expect(fake.calls('review:set-label')).toEqual([{ id: a.id, label: 'scratches' }]);
    expect(current()).toBe('a.bmp');
    await user.keyboard('{ArrowRight}2');
    await waitFor(() => expect(label()).toBe('inclusion'));
    expect(fake.calls('review:set-label')).toEqual([
      { id: a.id, label: 'scratches' },
      { id: b.id, label: 'inclusion' },
    ]);
    expect(fake.calls('review:set-reviewed')).toEqual([]);
  });

  it('ignores digits without a class (0, or above the number of classes) and other keys', async () => {
    const user = await review([item('a.bmp')]);
    await user.keyboard(`0${CLASSES.length + 1}9xq{Enter}`);
    expect(fake.calls('review:set-label')).toEqual([]);
    expect(fake.calls('review:set-reviewed')).toEqual([]);
    expect(label()).toBe('—');
  });

  it('moves with the arrows (→ ↓ next, ← ↑ previous) and stops at both ends', async () => {
    const user = await review([item('a.bmp'), item('b.bmp'), item('c.bmp')]);
    expect([current(), position()]).toEqual(['a.bmp', '1 of 3']);
    await user.keyboard('{ArrowLeft}{ArrowUp}');
    expect(current()).toBe('a.bmp');
    await user.keyboard('{ArrowRight}');
    expect([current(), position()]).toEqual(['b.bmp', '2 of 3']);
    await user.keyboard('{ArrowDown}');
    expect([current(), position()]).toEqual(['c.bmp', '3 of 3']);
    await user.keyboard('{ArrowRight}{ArrowDown}');
    expect(current()).toBe('c.bmp');
    await user.keyboard('{ArrowUp}');
    expect(current()).toBe('b.bmp');
    await user.keyboard('{ArrowLeft}');
    expect(current()).toBe('a.bmp');
    expect(fake.channels().filter((c) => c.startsWith('review:'))).toEqual([]);
  });

  it('confirms with Space: marks the image reviewed and goes on to the next', async () => {
    const [a, b] = [item('a.bmp', { label: 'patches' }), item('b.bmp')];
    const user = await review([a, b]);
    expect(screen.queryByTestId('current-reviewed')).toBeNull();
    await user.keyboard(' ');
    await waitFor(() => expect(current()).toBe('b.bmp'));
    expect(fake.calls('review:set-reviewed')).toEqual([{ id: a.id, reviewed: true }]);
    expect(screen.queryByTestId('current-reviewed')).toBeNull();
    await user.keyboard('{ArrowLeft}');
    expect(current()).toBe('a.bmp');
    expect(screen.getByTestId('current-reviewed').textContent).toBe('reviewed');
    expect(label()).toBe('patches');
  });

  it('stays on the last image when Space confirms it', async () => {
    const [a, b] = [item('a.bmp'), item('b.bmp')];
    const user = await review([a, b]);
    await user.keyboard('{ArrowRight} ');
    await waitFor(() => expect(screen.queryByTestId('current-reviewed')).not.toBeNull());
    expect(current()).toBe('b.bmp');
    expect(fake.calls('review:set-reviewed')).toEqual([{ id: b.id, reviewed: true }]);
  });

  it('leaves keys typed in a form control to that control', async () => {
    const user = await review([item('a.bmp'), item('b.bmp')]);
    const classFilter = screen.getByLabelText('Class');
    act(() => classFilter.focus());
    await user.keyboard('1 {ArrowRight}');
    expect(current()).toBe('a.bmp');
    expect(fake.calls('review:set-label')).toEqual([]);
    expect(fake.calls('review:set-reviewed')).toEqual([]);
  });

  it('leaves keys to a button inside the review region that has the focus', async () => {
    const user = await review([item('a.bmp'), item('b.bmp')]);
    const button = screen.getByRole('button', { name: '3 patches' });
    act(() => button.focus());
    await user.keyboard('{ArrowRight}2');
    expect(current()).toBe('a.bmp');
    expect(fake.calls('review:set-label')).toEqual([]);
  });

  it('keeps a reviewed image reviewed when Space confirms it again', async () => {
    const a = item('a.bmp', { reviewed: true });
    const user = await review([a, item('b.bmp')]);
    await user.keyboard(' ');
    await waitFor(() => expect(current()).toBe('b.bmp'));
    expect(fake.calls('review:set-reviewed')).toEqual([{ id: a.id, reviewed: true }]);
  });

  it('does the same with the label buttons and the Confirm button', async () => {
    const [a, b] = [item('a.bmp'), item('b.bmp')];
    const user = await review([a, b]);
    const buttons = within(screen.getByRole('group', { name: 'Set label' }));
    await user.click(buttons.getByRole('button', { name: '3 patches' }));
    await waitFor(() => expect(label()).toBe('patches'));
    expect(buttons.getByRole('button', { name: '3 patches' }).className).toBe('chip active');
    expect(buttons.getByRole('button', { name: '1 crazing' }).className).toBe('chip');
    await user.click(screen.getByRole('button', { name: 'Confirm (Space)' }));
    await waitFor(() => expect(current()).toBe('b.bmp'));
    expect(fake.calls('review:set-label')).toEqual([{ id: a.id, label: 'patches' }]);
    expect(fake.calls('review:set-reviewed')).toEqual([{ id: a.id, reviewed: true }]);
  });

  it('shows the predicted class and its confidence, or that it is not classified yet', async () => {
    const user = await review([
      item('a.bmp', { prediction: predicted('inclusion', 0.8761) }),
      item('b.bmp'),
    ]);
    const prediction = () =>
      within(region()).getByText(/predicted under encryption|not classified/);
    expect(prediction().textContent).toBe('predicted under encryption: inclusion (87.6 %)');
    await user.keyboard('{ArrowRight}');
    expect(prediction().textContent).toBe('not classified yet');
  });
});

describe('Review: failures', () => {
  it('shows why a label could not be set, keeps the old label, and keeps working', async () => {
    const [a, b] = [item('a.bmp', { label: 'crazing' }), item('b.bmp')];
    fake.fail('review:set-label', 'the vault is locked');
    const user = await review([a, b]);
    await user.keyboard('2');
    const alert = await screen.findByRole('alert');
    // Electron's "Error invoking remote method …" prefix is not the user's business.
    expect(alert.textContent).toBe('the vault is locked Dismiss');
    expect(label()).toBe('crazing');
    await user.keyboard('{ArrowRight}');
    expect(current()).toBe('b.bmp');
    await user.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('does not move on when confirming fails', async () => {
    fake.fail('review:set-reviewed', 'disk full');
    const user = await review([item('a.bmp'), item('b.bmp')]);
    await user.keyboard(' ');
    expect((await screen.findByRole('alert')).textContent).toMatch(/^disk full/);
    expect(current()).toBe('a.bmp');
    expect(screen.queryByTestId('current-reviewed')).toBeNull();
    expect(currentScreen()).toBe('Review');
  });

  it('leaves out images whose metadata cannot be read', async () => {
    const broken: GalleryItem = {
      id: imageId(),
      error: 'image 0000…: metadata cannot be decrypted',
      reviewed: false,
      importedAt: '2025-01-01T00:00:00.000Z',
    };
    const user = await review([broken, item('a.bmp'), item('b.bmp')]);
    expect([current(), position()]).toEqual(['a.bmp', '1 of 2']);
    await user.keyboard('{ArrowLeft}1');
    await waitFor(() => expect(label()).toBe('crazing'));
    expect(fake.calls('review:set-label').map((r) => r.id)).not.toContain(broken.id);
  });
});

describe('Review: filters', () => {
  const shown = async (user: Awaited<ReturnType<typeof review>>) => {
    const names: string[] = [];
    if (!current()) return names;
    act(() => region().focus());
    await user.keyboard('{ArrowLeft>9/}');
    for (;;) {
      names.push(current()!);
      const [at, of] = position()!.split(' of ').map(Number);
      if (at === of) return names;
      await user.keyboard('{ArrowRight}');
    }
  };

  const vault = () => [
    item('labelled-crazing.bmp', { label: 'crazing', prediction: predicted('patches', 0.9) }),
    item('predicted-crazing.bmp', { prediction: predicted('crazing', 0.45) }),
    item('scratches.bmp', { label: 'scratches', reviewed: true }),
    item('unclassified.bmp'),
  ];

  it('shows every readable image unfiltered', async () => {
    const user = await review(vault());
    expect(await shown(user)).toEqual([
      'labelled-crazing.bmp',
      'predicted-crazing.bmp',
      'scratches.bmp',
      'unclassified.bmp',
    ]);
  });

  it('by class: images labelled or predicted as that class', async () => {
    const user = await review(vault());
    await user.selectOptions(screen.getByLabelText('Class'), 'crazing');
    expect(await shown(user)).toEqual(['labelled-crazing.bmp', 'predicted-crazing.bmp']);
    await user.selectOptions(screen.getByLabelText('Class'), 'patches');
    expect(await shown(user)).toEqual(['labelled-crazing.bmp']);
    await user.selectOptions(screen.getByLabelText('Class'), 'inclusion');
    expect(current()).toBeNull();
    expect(within(region()).getByText('No image matches these filters.')).toBeTruthy();
    await user.selectOptions(screen.getByLabelText('Class'), 'all');
    expect(await shown(user)).toHaveLength(4);
  });

  it('by confidence: hides predictions above the limit, keeps unclassified images', async () => {
    const user = await review(vault());
    const slider = screen.getByLabelText(/^Confidence ≤/);
    fireEvent.change(slider, { target: { value: '50' } });
    expect(screen.getByText(/^Confidence ≤/).textContent).toBe('Confidence ≤ 50 %');
    expect(await shown(user)).toEqual([
      'predicted-crazing.bmp',
      'scratches.bmp',
      'unclassified.bmp',
    ]);
    fireEvent.change(slider, { target: { value: '45' } });
    expect(await shown(user)).toContain('predicted-crazing.bmp'); // 45 % ≤ 45 %
    fireEvent.change(slider, { target: { value: '44' } });
    expect(await shown(user)).toEqual(['scratches.bmp', 'unclassified.bmp']);
  });

  it('by review state', async () => {
    const user = await review(vault());
    await user.selectOptions(screen.getByLabelText('Show'), 'reviewed');
    expect(await shown(user)).toEqual(['scratches.bmp']);
    await user.selectOptions(screen.getByLabelText('Show'), 'unreviewed');
    expect(await shown(user)).toEqual([
      'labelled-crazing.bmp',
      'predicted-crazing.bmp',
      'unclassified.bmp',
    ]);
  });

  it('combines the filters, and the keys act on the filtered images only', async () => {
    const items = vault();
    const user = await review(items);
    await user.selectOptions(screen.getByLabelText('Class'), 'crazing');
    fireEvent.change(screen.getByLabelText(/^Confidence ≤/), { target: { value: '60' } });
    expect(await shown(user)).toEqual(['predicted-crazing.bmp']);
    await user.keyboard('3');
    await waitFor(() => expect(label()).toBe('patches'));
    expect(fake.calls('review:set-label')).toEqual([{ id: items[1]!.id, label: 'patches' }]);
  });

  it('does nothing on a key when no image matches', async () => {
    const user = await review(vault());
    await user.selectOptions(screen.getByLabelText('Class'), 'inclusion');
    act(() => region().focus());
    await user.keyboard('1 {ArrowRight}');
    expect(fake.calls('review:set-label')).toEqual([]);
    expect(fake.calls('review:set-reviewed')).toEqual([]);
  });

  // Confirming drops the image from the "not reviewed" list; the image that takes its
  // place is the next one, and must not be skipped.
  it('under "not reviewed", Space goes on to the very next unreviewed image', async () => {
    const user = await review([item('a.bmp'), item('b.bmp'), item('c.bmp')]);
    await user.selectOptions(screen.getByLabelText('Show'), 'unreviewed');
    act(() => region().focus());
    await user.keyboard(' ');
    await waitFor(() => expect(position()).toMatch(/ of 2$/)); // a.bmp left the list
    expect(current()).toBe('b.bmp');
  });
});

describe('Review: focus', () => {
  // The navigation moves focus to a screen's heading, except where the screen names the
  // element its keys work on: Review's keys must work at once, without Tab or a click.
  it('takes the keys right after it is opened from the navigation', async () => {
    const a = item('a.bmp');
    const user = await openScreen('Review', [a]);
    await waitFor(() => expect(current()).toBe('a.bmp'));
    await new Promise((resolve) => requestAnimationFrame(resolve));
    expect(document.activeElement).toBe(region());
    await user.keyboard('1');
    await waitFor(() =>
      expect(fake.calls('review:set-label')).toEqual([{ id: a.id, label: 'crazing' }]),
    );
  });
});

describe('Review: CSV export', () => {
  it('exports through window.api and says how many rows', async () => {
    const user = await review([item('a.bmp'), item('b.bmp')]);
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect((await screen.findByTestId('export-status')).textContent).toBe(
      'exported labels.csv: 2 rows',
    );
    expect(fake.calls('review:export-csv')).toEqual([{}]);
  });

  it('shows why the export failed', async () => {
    fake.fail('review:export-csv', 'no images to export');
    const user = await review([item('a.bmp')]);
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^no images to export/);
    expect(screen.queryByTestId('export-status')).toBeNull();
  });
});
