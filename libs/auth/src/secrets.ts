import { hash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniformly random characters from `alphabet`, from the CSPRNG. */
export function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function randomBase62(length: number): string {
  return randomString(BASE62, length);
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** One-shot crypto.hash: every authenticated request hashes its key, and it costs half of a Hash object's update and digest. */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/** Constant-time equality of two strings of secrets (or their hashes). */
export function secretsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
