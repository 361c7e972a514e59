import { randomBase62 } from './secrets';

export const API_KEY_PREFIX = 'td_live_';
const SECRET_LENGTH = 32;
/** Characters of the secret kept in clear, to tell a user's keys apart. */
const DISPLAY_PREFIX_LENGTH = 8;
const API_KEY_PATTERN = /^td_live_[0-9A-Za-z]{32}$/;

export interface GeneratedApiKey {
  /** `td_live_` + 32 base62 characters (about 190 bits from the CSPRNG). */
  key: string;
  /** The first 8 characters of the secret part. */
  displayPrefix: string;
}

export function generateApiKey(): GeneratedApiKey {
  const secret = randomBase62(SECRET_LENGTH);
  return { key: API_KEY_PREFIX + secret, displayPrefix: secret.slice(0, DISPLAY_PREFIX_LENGTH) };
}

/** A cheap shape check before any database lookup. */
export function isWellFormedApiKey(value: string): boolean {
  return API_KEY_PATTERN.test(value);
}
