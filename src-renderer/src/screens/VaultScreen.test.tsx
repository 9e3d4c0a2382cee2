// Opening a vault is the way into everything else, so the Vault screen is tested through
// the DOM: what unlock and create send over window.api, that a wrong passphrase shows
// the reason and stays, that mismatched or too short passphrases never reach the api,
// the strength feedback, and the recent-vault shortcut.
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fake, lockedStatus } from '../testing/fake-api.ts';
import { currentScreen, navButton, renderApp } from '../testing/render-app.tsx';

const STRONG = 'correct horse battery staple 42';

const form = () => screen.getByRole('form', { name: /a vault$/ });
const field = (name: string | RegExp) => within(form()).getByLabelText<HTMLInputElement>(name);
const passphrase = () => field('Passphrase');
const submitButton = () =>
  within(form()).getByRole<HTMLButtonElement>('button', { name: /^(Unlock|Create vault)$/ });

describe('Vault', () => {
  it('unlocks with the folder and passphrase, then opens Import', async () => {
    const user = await renderApp();
    await user.type(field('Vault folder'), '/vaults/steel');
    await user.type(passphrase(), STRONG);
    await user.click(submitButton());
    await waitFor(() => expect(currentScreen()).toBe('Import'));
    expect(fake.calls('vault:unlock')).toEqual([{ dir: '/vaults/steel', passphrase: STRONG }]);
    expect(navButton('Gallery').disabled).toBe(false);
  });

  it('shows why unlocking failed, stays on the form, and allows another try', async () => {
    fake.fail('vault:unlock', 'wrong passphrase or damaged vault.json');
    const user = await renderApp();
    await user.type(field('Vault folder'), '/vaults/steel');
    await user.type(passphrase(), 'not the one');
    await user.click(submitButton());
    expect((await within(form()).findByRole('alert')).textContent).toBe(
      'wrong passphrase or damaged vault.json',
    );
    expect(currentScreen()).toBe('Vault');
    expect(submitButton().disabled).toBe(false);
    expect(submitButton().textContent).toBe('Unlock');
    expect(navButton('Gallery').disabled).toBe(true);
  });

  it('creates a vault only when both passphrases match', async () => {
    const user = await renderApp();
    await user.click(screen.getByRole('tab', { name: 'Create a vault' }));
    await user.type(field('Vault folder'), '/vaults/new');
    await user.type(passphrase(), STRONG);
    await user.type(field('Repeat the passphrase'), `${STRONG}!`);
    await user.click(submitButton());
    expect(within(form()).getByRole('alert').textContent).toBe('the two passphrases differ');
    expect(fake.calls('vault:create')).toEqual([]);

    await user.clear(field('Repeat the passphrase'));
    await user.type(field('Repeat the passphrase'), STRONG);
    await user.click(submitButton());
    await waitFor(() => expect(currentScreen()).toBe('Import'));
    expect(fake.calls('vault:create')).toEqual([{ dir: '/vaults/new', passphrase: STRONG }]);
  });

  it('rates the new passphrase and refuses one that is too short', async () => {
    const user = await renderApp();
    await user.click(screen.getByRole('tab', { name: 'Create a vault' }));
    const strength = () => screen.getByTestId('strength');
    expect(within(strength()).getByText(/^too short/)).toBeTruthy();
    await user.type(passphrase(), 'short');
    expect(submitButton().disabled).toBe(true);
    await user.type(passphrase(), 'password');
    expect(submitButton().disabled).toBe(false);
    expect(strength().textContent).toMatch(/avoid common words such as "password"/);
    await user.clear(passphrase());
    await user.type(passphrase(), STRONG);
    expect(within(strength()).getByText(/^strong \(≈ \d+ bits\)$/)).toBeTruthy();
    expect(within(strength()).getByRole('meter').getAttribute('value')).toBe('4');
  });

  it('fills the folder from a recent vault and switches to unlocking', async () => {
    fake.vault.status = lockedStatus({
      recent: [{ dir: '/vaults/old', lastOpened: '2025-01-02T03:04:05.000Z' }],
    });
    const user = await renderApp();
    await user.click(screen.getByRole('tab', { name: 'Create a vault' }));
    await user.click(screen.getByRole('button', { name: '/vaults/old' }));
    expect(screen.getByRole('tab', { name: 'Unlock a vault' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    expect(field('Vault folder').value).toBe('/vaults/old');
  });
});
