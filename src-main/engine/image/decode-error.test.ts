import { describe, expect, it } from 'vitest';
import { ImageDecodeError, errorDetail } from './decode-error.ts';

describe('ImageDecodeError', () => {
  it('puts the label in front of the reason and keeps both', () => {
    const cause = new Error('vipspng: libpng read error');
    const error = new ImageDecodeError('scans/a.png', 'truncated PNG', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ImageDecodeError');
    expect(error.message).toBe('scans/a.png: truncated PNG');
    expect(error.reason).toBe('truncated PNG');
    expect(error.label).toBe('scans/a.png');
    expect(error.cause).toBe(cause);
  });
});

describe('errorDetail', () => {
  it('keeps the first line of a message, or says so when there is none', () => {
    expect(errorDetail(new Error('Input buffer has corrupt header: x\n  at y'))).toBe(
      'Input buffer has corrupt header: x',
    );
    expect(errorDetail('plain string')).toBe('plain string');
    expect(errorDetail(new Error(''))).toBe('unknown error');
  });
});
