/**
 * Whether an Accept-Encoding header lets the answer be gzip-compressed
 * (RFC 9110, 12.5.3): `gzip` (or its old alias `x-gzip`) listed with a
 * non-zero weight, or `*` with a non-zero weight when gzip is not listed at
 * all. No header, or one naming only other codings, means identity. Go's
 * HTTP client, hence every td release, sends `Accept-Encoding: gzip`.
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  let gzip: boolean | undefined;
  let any = false;
  for (const item of value.split(',')) {
    const [coding, ...params] = item.split(';');
    const name = coding.trim().toLowerCase();
    if (name !== 'gzip' && name !== 'x-gzip' && name !== '*') continue;
    const allowed = weightOf(params) > 0;
    if (name === '*') any = allowed;
    else gzip = (gzip ?? false) || allowed;
  }
  return gzip ?? any;
}

/** The `q` parameter among a coding's parameters: 1 when absent, 0 when unreadable (a client that garbles it gets identity). */
function weightOf(params: string[]): number {
  for (const param of params) {
    const [key, raw] = param.split('=');
    if (key.trim().toLowerCase() !== 'q') continue;
    const weight = Number((raw ?? '').trim());
    return Number.isFinite(weight) ? weight : 0;
  }
  return 1;
}
