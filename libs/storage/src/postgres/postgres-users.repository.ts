import type { NewUser, User } from '../records/user';
import { UserListQuery, UsersRepository, UserSummary } from '../repositories/users.repository';
import type { PostgresDatabase } from './postgres-database';

const USER_COLUMNS = 'id, email, created_at, disabled_at';

/** A listing's row: the user with counts over memberships and keys, in one statement (as the SQLite backend's). */
const SUMMARY = `
  SELECT u.id, u.email, u.created_at, u.disabled_at,
    (SELECT count(*)::int FROM memberships m WHERE m.user_id = u.id) AS project_count,
    (SELECT count(*)::int FROM api_keys k WHERE k.user_id = u.id AND k.revoked_at IS NULL AND k.expires_at > $1) AS active_key_count,
    coalesce((SELECT string_agg(k.scopes, ',') FROM api_keys k WHERE k.user_id = u.id AND k.revoked_at IS NULL AND k.expires_at > $1), '') AS active_key_scopes,
    (SELECT max(k.last_used_at) FROM api_keys k WHERE k.user_id = u.id) AS last_used_at
  FROM users u
  WHERE ($2::text IS NULL OR u.id = $2) AND ($3::text IS NULL OR strpos(u.email, $3) > 0) AND ($4::text IS NULL OR u.id > $4)
  ORDER BY u.id
  LIMIT $5`;

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

  async findOrCreate(candidate: NewUser): Promise<User> {
    // Insert unless the address (or id) is taken, then read back whichever row
    // won: a concurrent first login on another node may have inserted it.
    await this.insertIfAbsent({ ...candidate, disabled_at: null });
    const user = await this.findByEmail(candidate.email);
    if (!user) throw new Error('user vanished between insert and read');
    return user;
  }

  async insertIfAbsent(user: User): Promise<boolean> {
    const { rowCount } = await this.db.query({
      name: 'users_insert_unless_present',
      text: `INSERT INTO users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      values: [user.id, user.email, user.created_at, user.disabled_at],
    });
    return rowCount === 1;
  }

  async list(query: UserListQuery): Promise<UserSummary[]> {
    const { rows } = await this.db.query<UserSummary>({
      name: 'users_list',
      text: SUMMARY,
      values: [query.now, query.id ?? null, query.emailContains?.toLowerCase() ?? null, query.afterId ?? null, query.limit ?? null],
    });
    return rows;
  }

  async setDisabled(id: string, disabledAt: string | null): Promise<User | null> {
    const { rows } = await this.db.query<User>({
      name: 'users_set_disabled',
      text: `UPDATE users SET disabled_at = $2 WHERE id = $1 RETURNING ${USER_COLUMNS}`,
      values: [id, disabledAt],
    });
    return rows[0] ?? null;
  }
}
