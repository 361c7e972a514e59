import { randomString } from '../secrets';

/** No 0/O, 1/I/L: nothing a person can misread when copying the code from a terminal. */
export const USER_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const USER_CODE_LENGTH = 6;

/** Spaces of any kind and the dashes people type or paste (hyphen, en/em dash, minus). */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212]+/gu;
const VALID = new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`);

export function generateUserCode(): string {
  return randomString(USER_CODE_ALPHABET, USER_CODE_LENGTH);
}

/**
 * The code as stored (upper case, no separators), or undefined when what was
 * typed cannot be any code we hand out. Matching is therefore case-insensitive
 * and ignores spaces and dashes: `abc-234`, `ABC 234` and `AbC234` are one code.
 */
export function normalizeUserCode(input: string): string | undefined {
  const code = input.replace(SEPARATORS, '').toUpperCase();
  return VALID.test(code) ? code : undefined;
}
