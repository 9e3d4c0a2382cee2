import { describe, expect, it } from 'vitest';
import { isAppUrl, validateSender } from './sender-validation.ts';

const OURS = new Set([7]);
const mainFrame = (url: string) => ({ url, parent: null });

describe('validateSender', () => {
  it('accepts the main frame of our window showing the app:// page', () => {
    expect(
      validateSender(
        { sender: { id: 7 }, senderFrame: mainFrame('app://sealsight/index.html') },
        OURS,
      ),
    ).toEqual({ ok: true });
    expect(
      validateSender(
        { sender: { id: 7 }, senderFrame: mainFrame('app://sealsight/#/gallery') },
        OURS,
      ),
    ).toEqual({ ok: true });
  });

  it.each([
    ['another origin', 7, mainFrame('https://evil.example/index.html'), 'not the app:// page'],
    ['a file: page', 7, mainFrame('file:///opt/SealSight/index.html'), 'not the app:// page'],
    ['another app host', 7, mainFrame('app://evil/index.html'), 'not the app:// page'],
    ['a look-alike host', 7, mainFrame('app://sealsight.evil/index.html'), 'not the app:// page'],
    ['devtools', 7, mainFrame('devtools://devtools/bundled/inspector.html'), 'not the app:// page'],
    ['about:blank', 7, mainFrame('about:blank'), 'not the app:// page'],
    ['a garbage URL', 7, mainFrame(''), 'not the app:// page'],
    [
      'a sub-frame even of our origin',
      7,
      { url: 'app://sealsight/index.html', parent: { url: 'app://sealsight/index.html' } },
      'not the main frame',
    ],
    ['a destroyed frame', 7, null, 'frame is gone'],
    ['another webContents', 8, mainFrame('app://sealsight/index.html'), 'not a SealSight window'],
  ])('refuses %s', (_what, id, frame, reason) => {
    const verdict = validateSender({ sender: { id }, senderFrame: frame }, OURS);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toContain(reason);
  });
});

describe('isAppUrl', () => {
  it('is true only for app://sealsight', () => {
    expect(isAppUrl('app://sealsight/assets/x.js')).toBe(true);
    expect(isAppUrl('app://sealsight:8080/x')).toBe(false);
    expect(isAppUrl('app://user@sealsight/x')).toBe(false);
    expect(isAppUrl('app:sealsight/x')).toBe(false);
  });
});
