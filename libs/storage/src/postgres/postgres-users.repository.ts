import type { User } from '../records/user';
import { UsersRepository } from '../repositories/users.repository';
import type { PostgresDatabase } from './postgres-database';

const USER_COLUMNS = 'id, email, created_at';

export class PostgresUsersRepository extends UsersRepository {
  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  async findByEmail(email: string): Promise<User | null> {
    const { rows } = await this.db.query<User>({ name: 'users_by_email', text: `SELECT ${USER_COLUMNS} FROM users WHERE email = $1`, values: [email] });
    return rows[0] ?? null;
  }

  async findById(id: string): Promise<User | null> {
    const { rows } = await this.db.query<User>({ name: 'users_by_id', text: `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, values: [id] });
    return rows[0] ?? null;
  }

  async findOrCreate(candidate: User): Promise<User> {
    // Insert unless the address (or id) is taken, then read back whichever row
    // won: a concurrent first login on another node may have inserted it.
    await this.db.query({
      name: 'users_insert_unless_present',
      text: `INSERT INTO users (${USER_COLUMNS}) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      values: [candidate.id, candidate.email, candidate.created_at],
    });
    const user = await this.findByEmail(candidate.email);
    if (!user) throw new Error('user vanished between insert and read');
    return user;
  }
}
