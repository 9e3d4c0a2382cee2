// Every IPC message is checked for where it came from before its payload is even looked
// at: it must come from the main frame of one of our windows, showing our own app://
// origin. A sub-frame, a page that somehow navigated elsewhere, or a destroyed frame is
// refused. Pure (structural types only) so it is unit-tested without Electron.
import { APP_HOST, APP_SCHEME } from './app-protocol.ts';

/** The parts of Electron's WebFrameMain the check reads. */
export interface SenderFrameLike {
  readonly url: string;
  readonly parent: unknown;
}

/** The parts of Electron's IpcMainInvokeEvent the check reads. */
export interface IpcSenderLike {
  readonly sender: { readonly id: number };
  readonly senderFrame: SenderFrameLike | null;
}

export type SenderVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === `${APP_SCHEME}:` &&
      parsed.host === APP_HOST &&
      parsed.username === '' &&
      parsed.password === ''
    );
  } catch {
    return false;
  }
}

/**
 * @param trustedWebContentsIds ids of our own windows' webContents (the main window);
 *   an IPC from any other webContents (a DevTools page, a future helper) is refused.
 */
export function validateSender(
  event: IpcSenderLike,
  trustedWebContentsIds: ReadonlySet<number>,
): SenderVerdict {
  if (!trustedWebContentsIds.has(event.sender.id)) {
    return { ok: false, reason: 'the sender is not a SealSight window' };
  }
  const frame = event.senderFrame;
  if (frame === null) return { ok: false, reason: 'the sending frame is gone' };
  if (frame.parent !== null) return { ok: false, reason: 'the sender is not the main frame' };
  if (!isAppUrl(frame.url)) return { ok: false, reason: 'the sender is not the app:// page' };
  return { ok: true };
}
