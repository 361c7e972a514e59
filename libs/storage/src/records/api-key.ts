/** A row of `api_keys`. */
export interface ApiKey {
  /** `k_` + 16 hex; the rate limiter keys on it, so the secret never has to. */
  id: string;
  user_id: string;
  /** Hex SHA-256 of the whole key; the key itself is never stored. */
  key_hash: string;
  /** First 8 characters of the secret part, to tell keys apart in listings. */
  key_prefix: string;
  name: string;
  /** Comma-separated scopes, e.g. `sync`. */
  scopes: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
}
