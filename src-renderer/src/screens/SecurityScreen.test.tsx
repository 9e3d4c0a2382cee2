// The Security screen reports measurements that may be unavailable or fail, so those
// states are tested through the DOM: the measuring state, the reason when there is no
// report, the figures when there is one, and a failed call's message.
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { TIER_LABELS } from '../../../src-shared/contract/ipc.ts';
import { deferred, fake } from '../testing/fake-api.ts';
import type { IpcResponse } from '../../../src-shared/contract/ipc.ts';
import { openScreen } from '../testing/render-app.tsx';

type SecurityReport = IpcResponse<'security:report'>;

describe('Security', () => {
  it('says it is measuring until the report arrives, then shows its figures', async () => {
    const call = deferred<SecurityReport>();
    fake.handle('security:report', () => call.promise);
    await openScreen('Security');
    expect(screen.getByText('Measuring…')).toBeTruthy();
    call.resolve({
      available: true,
      reason: 'Measured on 12 of this vault’s images.',
      tierLabel: TIER_LABELS.obfuscated,
      figures: [
        { name: 'pixel correlation', value: 0.012345, note: 'near 0 is good' },
        { name: 'images', value: 12, note: 'measured' },
      ],
      histograms: [],
    });
    const report = await screen.findByTestId('security-report');
    expect(screen.queryByText('Measuring…')).toBeNull();
    expect(within(report).getByText('Measured on 12 of this vault’s images.')).toBeTruthy();
    const rows = within(report).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      'pixel correlation0.0123near 0 is good',
      'images12measured',
    ]);
    expect(fake.calls('security:report')).toEqual([{}]);
  });

  it('gives the reason when no report is available', async () => {
    await openScreen('Security');
    expect((await screen.findByTestId('security-unavailable')).textContent).toBe(
      'no obfuscated-tier model for this vault',
    );
    expect(screen.queryByTestId('security-report')).toBeNull();
  });

  it('shows why the report failed instead of measuring forever', async () => {
    fake.fail('security:report', 'the obfuscated-tier model is damaged');
    await openScreen('Security');
    expect((await within(screen.getByRole('main')).findByRole('alert')).textContent).toBe(
      'the obfuscated-tier model is damaged',
    );
    expect(screen.queryByText('Measuring…')).toBeNull();
  });
});
