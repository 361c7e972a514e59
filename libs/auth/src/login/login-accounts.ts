import { Inject, Injectable } from '@nestjs/common';
import type { User } from '@td-sync/storage';
import { AUTH_OPTIONS, AuthOptions } from '../auth-options';
import { UsersService } from '../users.service';

/** Who may log in: anyone while signups are on, otherwise only addresses that already have an account. */
@Injectable()
export class LoginAccounts {
  constructor(
    private readonly users: UsersService,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  async mayLogIn(email: string): Promise<boolean> {
    return this.options.allowSignup || (await this.users.findByEmail(email)) !== null;
  }

  /**
   * The account a verified login signs into: the existing one, or a new one
   * while signups are on (race-safe: concurrent first logins get one user).
   * Null when signups are off and the address has no account.
   */
  async accountFor(email: string): Promise<User | null> {
    const existing = await this.users.findByEmail(email);
    if (existing) return existing;
    return this.options.allowSignup ? this.users.findOrCreate(email) : null;
  }
}
