/**
 * An address as the verify page shows it: the first character of the local
 * part, then "•••", then the domain ("a•••@example.com"). Whoever types a code
 * learns where the confirmation went, enough for the owner to recognise the
 * address, without the page spelling it out to a passer-by.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '•••';
  const [first] = [...email.slice(0, at)];
  return `${first}•••${email.slice(at)}`;
}
