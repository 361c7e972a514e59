import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { User } from '@td-sync/storage';
import { Repository } from 'typeorm';
import { Clock } from './clock';
import { randomHex } from './secrets';

/** Trimmed and lower-cased: one address is one account however it is typed. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** User accounts, keyed by email; created on first login or when an owner adds a teammate. */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly clock: Clock,
  ) {}

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: normalizeEmail(email) });
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /**
   * The account of `email`, created if there is none. Safe against races: two
   * concurrent first logins insert-or-ignore on the unique email and both read
   * back the one row that won.
   */
  async findOrCreate(email: string): Promise<User> {
    const normalized = normalizeEmail(email);
    await this.users
      .createQueryBuilder()
      .insert()
      .into(User)
      .values({ id: `u_${randomHex(8)}`, email: normalized, created_at: this.clock.now().toISOString() })
      .orIgnore()
      .execute();
    return this.users.findOneByOrFail({ email: normalized });
  }
}
