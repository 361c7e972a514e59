/** A row of `users` (PROTOCOL.md, Server storage), as every backend stores it. Times are RFC 3339 UTC text. */
export interface User {
  /** `u_` + 16 hex. */
  id: string;
  /** Trimmed and lower-cased, so one address is one account however it is typed. */
  email: string;
  created_at: string;
  /** Set by the operator (`td-sync users disable`): every key of a disabled user is refused. */
  disabled_at: string | null;
}

/** What a new account starts with: it is never disabled at birth. */
export type NewUser = Omit<User, 'disabled_at'>;
