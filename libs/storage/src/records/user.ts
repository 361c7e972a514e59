/** A row of `users` (PROTOCOL.md, Server storage), as every backend stores it. Times are RFC 3339 UTC text. */
export interface User {
  /** `u_` + 16 hex. */
  id: string;
  /** Trimmed and lower-cased, so one address is one account however it is typed. */
  email: string;
  created_at: string;
}
