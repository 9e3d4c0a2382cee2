// The Model screen's "Evaluate on" setting and a classify on a farm, through the DOM: the
// farm is chosen with a broker URL and a write-only password (shown only as set or not
// set, replaced or cleared on request), a URL that is not a broker's is refused before
// anything is sent and the app's own refusal is shown as it comes; a classify on the farm
// shows done/total, its ETA and the evaluator nodes at work, and its report says where
// it ran.
import { act, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { IpcResponse } from '../../../src-shared/contract/ipc.ts';
import { deferred, fake, item, progress } from '../testing/fake-api.ts';
import { openScreen } from '../testing/render-app.tsx';

const PASSWORD = 'farm password 31';

function panel() {
  return within(screen.getByRole('form', { name: 'Evaluate on' }));
}

async function openModel() {
  const user = await openScreen('Model', [item('a.bmp')]);
  await screen.findByRole('radio', { name: 'this computer' });
  return user;
}

describe('Model: evaluate on', () => {
  it('is this computer by default; a farm is saved with its URL and a password it never shows again', async () => {
    const user = await openModel();
    const p = panel();
    expect(p.getByRole<HTMLInputElement>('radio', { name: 'this computer' }).checked).toBe(true);
    expect(p.queryByLabelText('Broker URL')).toBeNull();
    await user.click(p.getByRole('radio', { name: 'an evaluation farm' }));
    expect(p.getByTestId('password-state').textContent).toBe('password: not set');
    // Not a broker's URL: refused here, nothing sent.
    await user.type(p.getByLabelText('Broker URL'), 'http://farm.example:6379');
    await user.click(p.getByRole('button', { name: 'Save' }));
    expect(p.getByRole('alert').textContent).toBe(
      'Broker URL: a broker URL starts with redis:// (or rediss:// for TLS)',
    );
    expect(fake.calls('evaluation:set')).toEqual([]);
    await user.clear(p.getByLabelText('Broker URL'));
    await user.type(p.getByLabelText('Broker URL'), 'redis://farm.example:6379');
    const secret = p.getByLabelText<HTMLInputElement>('Broker password');
    expect(secret.type).toBe('password');
    await user.type(secret, PASSWORD);
    await user.click(p.getByRole('button', { name: 'Save' }));
    expect(fake.calls('evaluation:set')).toEqual([
      {
        setting: {
          kind: 'farm',
          broker: 'redis://farm.example:6379',
          password: { replace: PASSWORD },
        },
      },
    ]);
    expect((await p.findByTestId('evaluation-saved')).textContent).toBe(
      'Saved: classification runs on the evaluation farm at redis://farm.example:6379 (password set).',
    );
    expect(p.queryByRole('alert')).toBeNull();
    // Write-only: the field is empty again and the page holds the password nowhere.
    expect(p.getByLabelText<HTMLInputElement>('Broker password').value).toBe('');
    expect(p.getByTestId('password-state').textContent).toBe('password: set');
    expect(document.body.innerHTML).not.toContain(PASSWORD);
  });

  it('keeps the stored password when only the URL changes, and clears it on request', async () => {
    fake.vault.evaluation = { kind: 'farm', broker: 'redis://10.0.0.5:6379', auth: 'password' };
    const user = await openModel();
    const p = panel();
    expect(p.getByRole<HTMLInputElement>('radio', { name: 'an evaluation farm' }).checked).toBe(
      true,
    );
    expect(p.getByLabelText<HTMLInputElement>('Broker URL').value).toBe('redis://10.0.0.5:6379');
    expect(p.getByLabelText<HTMLInputElement>('Broker password').value).toBe('');
    expect(p.getByTestId('password-state').textContent).toBe('password: set');
    await user.clear(p.getByLabelText('Broker URL'));
    await user.type(p.getByLabelText('Broker URL'), 'redis://10.0.0.6:6379');
    await user.click(p.getByRole('button', { name: 'Save' }));
    expect(fake.calls('evaluation:set').at(-1)).toEqual({
      setting: { kind: 'farm', broker: 'redis://10.0.0.6:6379', password: 'keep' },
    });
    await user.click(p.getByRole('button', { name: 'Clear password' }));
    expect(p.getByTestId('password-state').textContent).toBe('password: cleared when saved');
    await user.click(p.getByRole('button', { name: 'Save' }));
    expect(fake.calls('evaluation:set').at(-1)).toEqual({
      setting: { kind: 'farm', broker: 'redis://10.0.0.6:6379', password: 'clear' },
    });
    expect((await p.findByTestId('evaluation-saved')).textContent).toMatch(/password not set/);
    expect(p.queryByRole('button', { name: 'Clear password' })).toBeNull();
    // Back to this computer.
    await user.click(p.getByRole('radio', { name: 'this computer' }));
    await user.click(p.getByRole('button', { name: 'Save' }));
    expect(fake.calls('evaluation:set').at(-1)).toEqual({ setting: { kind: 'local' } });
    expect((await p.findByTestId('evaluation-saved')).textContent).toBe(
      'Saved: classification runs on this computer.',
    );
  });

  it('shows the app’s refusal of a setting as it comes', async () => {
    fake.fail(
      'evaluation:set',
      'broker URL redis://farm.example:99999 is not valid: the port must be between 1 and 65535',
    );
    const user = await openModel();
    const p = panel();
    await user.click(p.getByRole('radio', { name: 'an evaluation farm' }));
    await user.type(p.getByLabelText('Broker URL'), 'redis://farm.example:99999');
    await user.click(p.getByRole('button', { name: 'Save' }));
    expect((await p.findByRole('alert')).textContent).toBe(
      'broker URL redis://farm.example:99999 is not valid: the port must be between 1 and 65535',
    );
    expect(p.queryByTestId('evaluation-saved')).toBeNull();
  });
});

describe('Model: classify on a farm', () => {
  it('shows done/total, the ETA and the evaluator nodes, then where it ran', async () => {
    fake.vault.evaluation = { kind: 'farm', broker: 'redis://10.0.0.5:6379', auth: 'password' };
    const call = deferred<IpcResponse<'classify:run'>>();
    fake.handle('classify:run', () => call.promise);
    const user = await openModel();
    await user.click(screen.getByRole('button', { name: 'Classify under encryption' }));
    const [request] = fake.calls('classify:run');
    act(() =>
      fake.emit(
        progress({
          jobId: request!.jobId,
          kind: 'classify',
          done: 4,
          total: 12,
          etaSeconds: 40,
          message: '4/12 classified under encryption on 2 evaluator nodes',
          metrics: { nodes: 2 },
        }),
      ),
    );
    expect(screen.getByTestId('job-counts').textContent!.trim()).toBe('4 / 12 · ETA 40 s');
    expect(screen.getByTestId('evaluator-nodes').textContent).toBe('2 evaluator nodes at work');
    call.resolve({
      modelId: '00000000000000aa',
      classified: 12,
      skipped: 0,
      failed: [],
      cancelled: false,
      seconds: 61.2,
      evaluatedOn: 'the evaluation farm at redis://:***@10.0.0.5:6379',
    });
    expect((await screen.findByTestId('classify-report')).textContent).toBe(
      '12 classified under encryption on the evaluation farm at redis://:***@10.0.0.5:6379 in 61.2 s, 0 already done.',
    );
    expect(screen.queryByTestId('evaluator-nodes')).toBeNull();
  });
});
