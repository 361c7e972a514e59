import type { User } from '../records/user';

/** User accounts, keyed by email. Addresses arrive normalised: auth decides what one address is. */
export abstract class UsersRepository {
  abstract findByEmail(email: string): Promise<User | null>;

  abstract findById(id: string): Promise<User | null>;

  /**
   * The account of `candidate.email`, inserted as `candidate` when there is
   * none. Race-safe: concurrent first logins of one address all get the one
   * row that won.
   */
  abstract findOrCreate(candidate: User): Promise<User>;
}
