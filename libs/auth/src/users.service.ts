import { Injectable } from '@nestjs/common';
import { Clock } from '@td-sync/http';
import { User, UsersRepository } from '@td-sync/storage';
import { randomHex } from './secrets';

/** Trimmed and lower-cased: one address is one account however it is typed. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** User accounts, keyed by email; created on first login or when an owner adds a teammate. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly clock: Clock,
  ) {}

  findByEmail(email: string): Promise<User | null> {
    return this.users.findByEmail(normalizeEmail(email));
  }

  findById(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  /** The account of `email`, created if there is none; safe against concurrent first logins. */
  findOrCreate(email: string): Promise<User> {
    return this.users.findOrCreate({ id: `u_${randomHex(8)}`, email: normalizeEmail(email), created_at: this.clock.now().toISOString() });
  }
}
