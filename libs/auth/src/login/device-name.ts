const MAX_LENGTH = 80;
/** C0/C1 controls and Unicode bidirectional overrides, which could disguise the name in a page or an email. */
const UNPRINTABLE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * The device name as shown on the approval page and in the email. Anyone can
 * start a login for any address, so this text reaches a stranger's inbox:
 * keep it one short, printable line.
 */
export function cleanDeviceName(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const cleaned = raw.replace(UNPRINTABLE, ' ').replace(/\s+/g, ' ').trim();
  if (cleaned === '') return null;
  return [...cleaned].slice(0, MAX_LENGTH).join('');
}
