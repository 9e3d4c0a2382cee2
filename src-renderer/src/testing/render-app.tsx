// Renders the whole app (state provider, navigation, error banner and the screens) over
// the in-memory window.api, and opens a screen the way a user does: by its button in
// the navigation.
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect } from 'vitest';
import type { GalleryItem } from '../../../src-shared/contract/ipc.ts';
import { App } from '../App.tsx';
import { fake, unlockedStatus } from './fake-api.ts';

export type ScreenTitle =
  'Vault' | 'Import' | 'Gallery' | 'Review' | 'Model' | 'Search' | 'Security';

export function navButton(title: ScreenTitle): HTMLButtonElement {
  const nav = screen.getByRole('navigation', { name: 'Screens' });
  return within(nav).getByRole('button', { name: title });
}

/** The h1 names the screen shown. */
export function currentScreen(): string | null {
  return screen.getByRole('heading', { level: 1 }).textContent;
}

/** Lets every call already made to the fake api answer, and React render the answers. */
export async function settle() {
  for (let i = 0; i < 3; i++) await act(() => new Promise((resolve) => setTimeout(resolve, 0)));
}

/** Renders the app over the fake vault as it is now, once its status and info arrived. */
export async function renderApp() {
  // No pause between keystrokes: the screens do not debounce, and the suite stays fast.
  const user = userEvent.setup({ delay: null });
  render(<App />);
  await settle();
  expect(fake.calls('vault:status')).not.toEqual([]);
  expect(fake.calls('app:info')).not.toEqual([]);
  return user;
}

/** Renders the app with an unlocked vault holding these images, and opens a screen. */
export async function openScreen(title: ScreenTitle, items: GalleryItem[] = []) {
  fake.vault.status = unlockedStatus({ imageCount: items.length });
  fake.vault.items = items;
  const user = await renderApp();
  await waitFor(() => expect(navButton(title).disabled).toBe(false));
  await waitFor(() => expect(fake.calls('images:list')).not.toEqual([]));
  await settle();
  await user.click(navButton(title));
  expect(currentScreen()).toBe(title);
  return user;
}
