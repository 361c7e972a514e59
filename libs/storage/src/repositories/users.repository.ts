import type { NewUser, User } from '../records/user';

/** One account as the operator's listings show it. */
export interface UserSummary extends User {
  /** Projects (live or deleted) the user is a member of. */
  project_count: number;
  /** Keys neither revoked nor expired at the query's `now`. */
  active_key_count: number;
  /** The scopes of those keys, comma-separated (repeats possible); empty when there are none. */
  active_key_scopes: string;
  /** The latest use of any of the user's keys. */
  last_used_at: string | null;
}

/** Which accounts to list, in id order (so a listing can be paged by the last id seen). */
export interface UserListQuery {
  /** Keys count as active while `expires_at` is after this instant. */
  now: string;
  /** Only this account. */
  id?: string;
  /** Only addresses containing this text (compared lower-cased). */
  emailContains?: string;
  /** Only ids after this one. */
  afterId?: string;
  /** At most this many; all when absent. */
  limit?: number;
}

/** User accounts, keyed by email. Addresses arrive normalised: auth decides what one address is. */
export abstract class UsersRepository {
  abstract findByEmail(email: string): Promise<User | null>;

  abstract findById(id: string): Promise<User | null>;

  /**
   * The account of `candidate.email`, inserted as `candidate` when there is
   * none. Race-safe: concurrent first logins of one address all get the one
   * row that won.
   */
  abstract findOrCreate(candidate: NewUser): Promise<User>;

  /** Inserts the account exactly as given; false (and nothing written) when its id or email is taken. */
  abstract insertIfAbsent(user: User): Promise<boolean>;

  abstract list(query: UserListQuery): Promise<UserSummary[]>;

  /** Disables (a time) or enables (null) the account; the user as now stored, null when there is none. */
  abstract setDisabled(id: string, disabledAt: string | null): Promise<User | null>;
}
