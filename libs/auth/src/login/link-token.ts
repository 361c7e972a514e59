import { randomBase62, randomHex } from '../secrets';

/**
 * The approval link's token, `<selector>.<secret>`: the selector finds the row
 * (stored in clear, unique), the secret proves the link was read from the email
 * (stored only as its SHA-256). Looking up by selector and comparing the
 * secret's hash in constant time keeps the secret out of any index lookup.
 */
export interface LinkToken {
  selector: string;
  secret: string;
}

const TOKEN = /^([0-9a-f]{24})\.([0-9A-Za-z]{32})$/;

export function newLinkToken(): LinkToken {
  return { selector: randomHex(12), secret: randomBase62(32) };
}

export function formatLinkToken(token: LinkToken): string {
  return `${token.selector}.${token.secret}`;
}

/** The link the email carries; the page behind it (ApprovePageController) serves both flows. */
export function approvalLink(baseUrl: string, token: LinkToken): string {
  return `${baseUrl}/auth/device/approve?token=${formatLinkToken(token)}`;
}

export function parseLinkToken(text: unknown): LinkToken | undefined {
  if (typeof text !== 'string') return undefined;
  const match = TOKEN.exec(text.trim());
  return match ? { selector: match[1], secret: match[2] } : undefined;
}
