// Every long job (import, classification, training) shows its progress events through
// JobProgress, so what a user reads while waiting is tested here once: done / total, the
// ETA while running, the message with its final phase, the bar's value, and when Cancel
// is offered. (How events reach it is tested with the screens that start jobs.)
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ProgressEvent } from '../../../src-shared/contract/ipc.ts';
import { progress } from '../testing/fake-api.ts';
import { formatEta, JobProgress } from './ProgressBar.tsx';

const jobId = 'job-0001';
const counts = () => screen.getByTestId('job-counts').textContent!.trim();
const message = () => screen.getByTestId('job-message').textContent;
const bar = () => screen.getByRole('progressbar', { name: 'Importing' });
const cancelButton = () => screen.queryByRole('button', { name: 'Cancel' });

function show(event: ProgressEvent | undefined, onCancel = vi.fn()) {
  render(<JobProgress event={event} label="Importing" onCancel={onCancel} />);
  return onCancel;
}

describe('formatEta', () => {
  it.each([
    [null, 'estimating…'],
    [0, 'under a second'],
    [0.4, 'under a second'],
    [1, '1 s'],
    [42.4, '42 s'],
    [89.4, '89 s'],
    [90, '1 min 30 s'],
    [125, '2 min 5 s'],
    [3600, '60 min 0 s'],
  ])('%s s → %s', (seconds, text) => {
    expect(formatEta(seconds)).toBe(text);
  });

  // The seconds are rounded before the minutes are taken: never "1 min 60 s".
  it('never shows 60 seconds in the minutes form', () => {
    expect(formatEta(119.6)).toBe('2 min 0 s');
  });
});

describe('JobProgress', () => {
  it('says it is starting before the first event, with an indeterminate bar', () => {
    show(undefined);
    expect(counts()).toBe('');
    expect(message()).toBe('starting…');
    expect(bar().getAttribute('value')).toBeNull();
    expect(cancelButton()).not.toBeNull();
  });

  it('shows done / total, the ETA and the message while running', () => {
    show(progress({ jobId, done: 3, total: 12, etaSeconds: 42, message: 'sealing Cr_3.bmp' }));
    expect(counts()).toBe('3 / 12 · ETA 42 s');
    expect(message()).toBe('sealing Cr_3.bmp');
    expect(bar().getAttribute('value')).toBe('3');
    expect(bar().getAttribute('max')).toBe('12');
  });

  it('says the ETA is being estimated when the job has none yet', () => {
    show(progress({ jobId, done: 0, total: 12, etaSeconds: null }));
    expect(counts()).toBe('0 / 12 · ETA estimating…');
  });

  it('shows no counts and an indeterminate bar while the total is unknown', () => {
    show(progress({ jobId, total: 0, message: 'listing the folder' }));
    expect(counts()).toBe('');
    expect(message()).toBe('listing the folder');
    expect(bar().getAttribute('value')).toBeNull();
  });

  it('drops the ETA and Cancel once the job is done, and names the phase', () => {
    show(
      progress({
        jobId,
        phase: 'done',
        done: 12,
        total: 12,
        etaSeconds: 0,
        message: '12 imported',
      }),
    );
    expect(counts()).toBe('12 / 12');
    expect(message()).toBe('done: 12 imported');
    expect(cancelButton()).toBeNull();
  });

  it.each(['failed', 'cancelled'] as const)('names the %s phase and offers no Cancel', (phase) => {
    show(progress({ jobId, phase, done: 4, total: 12, etaSeconds: 10, message: 'stopped' }));
    expect(counts()).toBe('4 / 12');
    expect(message()).toBe(`${phase}: stopped`);
    expect(cancelButton()).toBeNull();
  });

  it('calls onCancel from its Cancel button', async () => {
    const onCancel = show(progress({ jobId, done: 1, total: 2 }));
    await userEvent.setup({ delay: null }).click(cancelButton()!);
    expect(onCancel).toHaveBeenCalledTimes(1);
  });

  it('offers no Cancel without an onCancel', () => {
    render(<JobProgress event={progress({ jobId, done: 1, total: 2 })} label="Importing" />);
    expect(cancelButton()).toBeNull();
  });
});
