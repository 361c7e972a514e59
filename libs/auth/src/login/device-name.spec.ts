import { cleanDeviceName } from './device-name';

describe('cleanDeviceName', () => {
  it('keeps an ordinary host name', () => {
    expect(cleanDeviceName('td-cli@ada-laptop')).toBe('td-cli@ada-laptop');
  });

  it('is null when nothing printable was sent', () => {
    expect(cleanDeviceName(undefined)).toBeNull();
    expect(cleanDeviceName('')).toBeNull();
    expect(cleanDeviceName(' \t\n ')).toBeNull();
  });

  it('folds line breaks, controls and bidi overrides into single spaces', () => {
    expect(cleanDeviceName('line one\r\nSubject: spoofed\u0000')).toBe('line one Subject: spoofed');
    expect(cleanDeviceName('evil\u202Egnp.exe')).toBe('evil gnp.exe');
  });

  it('caps the length at 80 characters without splitting a character', () => {
    expect(cleanDeviceName('x'.repeat(500))).toHaveLength(80);
    const emoji = cleanDeviceName('💻'.repeat(100))!;
    expect([...emoji]).toHaveLength(80);
    expect(emoji).toBe('💻'.repeat(80));
  });
});
