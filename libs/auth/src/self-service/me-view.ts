/** GET /v1/me (PROTOCOL.md, Additions of round 2): who the caller is, and the key they called with. */
export interface MeView {
  user_id: string;
  email: string;
  key: CurrentKeyView;
}

/** The calling key as its holder may see it: never the secret or its hash. */
export interface CurrentKeyView {
  id: string;
  /** The first 8 characters of the secret (after `td_live_`), to tell one's keys apart. */
  prefix: string;
  /** The `device_name` the client sent at login, or `device-auth`. */
  name: string;
  expires_at: string;
  created_at: string;
  /** Kept to the minute; null until the key is first used. */
  last_used_at: string | null;
}
