/**
 * Whether `value` is a plain address (`local@domain`) we can key an account on
 * and send mail to. Deliberately narrower than RFC 5322: no display names,
 * comments or quoted local parts, since the address becomes the account's
 * identity; non-ASCII letters are allowed, as the reference server allows them.
 */
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

export function isValidEmail(value: string): boolean {
  if (value.length === 0 || value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local)) return false;
  return domain.split('.').every((label) => DOMAIN_LABEL.test(label));
}
