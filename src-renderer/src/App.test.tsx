// The shell decides what a user may open and where errors appear, so it is tested
// through the DOM: which screens a locked vault allows, what the sidebar says about the
// vault, locking (back to the Vault screen, the images gone), and that a failed call
// shows its message in the banner, which Dismiss or moving on clears.
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fake, item, lockedStatus, unlockedStatus } from './testing/fake-api.ts';
import { currentScreen, navButton, openScreen, renderApp } from './testing/render-app.tsx';
import type { ScreenTitle } from './testing/render-app.tsx';

const ALL: ScreenTitle[] = ['Vault', 'Import', 'Gallery', 'Review', 'Model', 'Search', 'Security'];
const enabled = () => ALL.filter((title) => !navButton(title).disabled);
const sidebar = () =>
  within(screen.getByRole('navigation', { name: 'Screens' })).getByRole('status');
const banner = () => within(screen.getByRole('main')).queryByRole('alert');

describe('Shell', () => {
  it('opens on the Vault screen and allows only what needs no vault while locked', async () => {
    await renderApp();
    expect(currentScreen()).toBe('Vault');
    expect(enabled()).toEqual(['Vault', 'Security']);
    expect(navButton('Vault').getAttribute('aria-current')).toBe('page');
    expect(sidebar().textContent).toBe(' Locked');
    expect(fake.calls('images:list')).toEqual([]);
  });

  it('says when the vault locked itself for being idle', async () => {
    fake.vault.status = lockedStatus({ lockedReason: 'idle', idleLockSeconds: 900 });
    await renderApp();
    expect(sidebar().textContent).toBe(' Lockedlocked after 15 min idle');
  });

  it('allows every screen and names the image count once unlocked', async () => {
    fake.vault.status = unlockedStatus({ imageCount: 3 });
    fake.vault.items = [item('a.bmp'), item('b.bmp'), item('c.bmp')];
    await renderApp();
    expect(enabled()).toEqual(ALL);
    expect(within(sidebar()).getByText('3 images')).toBeTruthy();
    expect(within(sidebar()).queryByRole('alert')).toBeNull();
  });

  it('warns when the vault header was restored from its backup', async () => {
    fake.vault.status = unlockedStatus({ headerRestoredFromBackup: true });
    await renderApp();
    expect(within(sidebar()).getByRole('alert').textContent).toMatch(
      /^vault.json was missing or damaged: unlocked from vault.json.bak/,
    );
  });

  it('locks: back to the Vault screen with the vault screens disabled', async () => {
    const user = await openScreen('Gallery', [item('a.bmp')]);
    expect(screen.getAllByTestId('gallery-item')).toHaveLength(1);
    await user.click(within(sidebar()).getByRole('button', { name: 'Lock' }));
    await waitFor(() => expect(currentScreen()).toBe('Vault'));
    expect(fake.calls('vault:lock')).toEqual([{}]);
    expect(enabled()).toEqual(['Vault', 'Security']);
    expect(sidebar().textContent).toBe(' Locked');
    // The unlock form is back, not the "Vault unlocked" page.
    expect(screen.getByRole('form', { name: 'Unlock a vault' })).toBeTruthy();
  });

  it('keeps no decrypted thumbnail across a lock: unlocked again, it is asked for anew', async () => {
    const a = item('a.bmp');
    const user = await openScreen('Gallery', [a]);
    await screen.findByRole('img', { name: 'a.bmp' });
    await user.click(within(sidebar()).getByRole('button', { name: 'Lock' }));
    await waitFor(() => expect(currentScreen()).toBe('Vault'));
    await user.type(screen.getByLabelText('Vault folder'), '/vaults/steel');
    await user.type(screen.getByLabelText('Passphrase'), 'correct horse battery staple');
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(currentScreen()).toBe('Import'));
    await user.click(navButton('Gallery'));
    await screen.findByRole('img', { name: 'a.bmp' });
    expect(fake.calls('images:thumbnail')).toEqual([
      { id: a.id, size: 160 },
      { id: a.id, size: 160 },
    ]);
  });

  it('shows why locking failed and stays where it was', async () => {
    fake.fail('vault:lock', 'a job is still running');
    const user = await openScreen('Gallery', [item('a.bmp')]);
    await user.click(within(sidebar()).getByRole('button', { name: 'Lock' }));
    expect((await screen.findByRole('alert')).textContent).toBe('a job is still running Dismiss');
    expect(currentScreen()).toBe('Gallery');
  });

  it('shows a failed image list in the banner; Dismiss clears it', async () => {
    fake.fail('images:list', 'catalogue damaged');
    fake.vault.status = unlockedStatus();
    const user = await renderApp();
    await waitFor(() => expect(banner()?.textContent).toBe('catalogue damaged Dismiss'));
    await user.click(within(banner()!).getByRole('button', { name: 'Dismiss' }));
    expect(banner()).toBeNull();
  });

  it('clears the banner when the user opens another screen', async () => {
    fake.fail('vault:status', 'the app service stopped');
    const user = await renderApp();
    await waitFor(() => expect(banner()?.textContent).toBe('the app service stopped Dismiss'));
    await user.click(navButton('Security'));
    expect(currentScreen()).toBe('Security');
    expect(banner()).toBeNull();
  });
});
