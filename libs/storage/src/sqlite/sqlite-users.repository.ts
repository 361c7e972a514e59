import type { Database, Statement } from 'better-sqlite3';
import type { NewUser, User } from '../records/user';
import { UserListQuery, UsersRepository, UserSummary } from '../repositories/users.repository';

const USER_COLUMNS = 'id, email, created_at, disabled_at';

/** A listing's row: the user with counts over memberships and keys, in one statement. */
const SUMMARY = `
  SELECT u.id, u.email, u.created_at, u.disabled_at,
    (SELECT count(*) FROM memberships m WHERE m.user_id = u.id) AS project_count,
    (SELECT count(*) FROM api_keys k WHERE k.user_id = u.id AND k.revoked_at IS NULL AND k.expires_at > @now) AS active_key_count,
    coalesce((SELECT group_concat(k.scopes) FROM api_keys k WHERE k.user_id = u.id AND k.revoked_at IS NULL AND k.expires_at > @now), '') AS active_key_scopes,
    (SELECT max(k.last_used_at) FROM api_keys k WHERE k.user_id = u.id) AS last_used_at
  FROM users u
  WHERE (@id IS NULL OR u.id = @id) AND (@contains IS NULL OR instr(u.email, @contains) > 0) AND (@after IS NULL OR u.id > @after)
  ORDER BY u.id
  LIMIT @limit`;

export class SqliteUsersRepository extends UsersRepository {
  private readonly byEmail: Statement<[string], User>;
  private readonly byId: Statement<[string], User>;
  private readonly insertUnlessPresent: Statement<[User]>;
  private readonly summaries: Statement<[{ now: string; id: string | null; contains: string | null; after: string | null; limit: number }], UserSummary>;
  private readonly disable: Statement<[string | null, string], User>;

  constructor(db: Database) {
    super();
    this.byEmail = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE email = ?`);
    this.byId = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
    this.insertUnlessPresent = db.prepare(`INSERT OR IGNORE INTO users (${USER_COLUMNS}) VALUES (@id, @email, @created_at, @disabled_at)`);
    this.summaries = db.prepare(SUMMARY);
    this.disable = db.prepare(`UPDATE users SET disabled_at = ? WHERE id = ? RETURNING ${USER_COLUMNS}`);
  }

  async findByEmail(email: string): Promise<User | null> {
    return this.byEmail.get(email) ?? null;
  }

  async findById(id: string): Promise<User | null> {
    return this.byId.get(id) ?? null;
  }

  async findOrCreate(candidate: NewUser): Promise<User> {
    // Insert-or-ignore on the unique email, then read back whichever row won.
    this.insertUnlessPresent.run({ ...candidate, disabled_at: null });
    const user = this.byEmail.get(candidate.email);
    if (!user) throw new Error('user vanished between insert and read');
    return user;
  }

  async insertIfAbsent(user: User): Promise<boolean> {
    return this.insertUnlessPresent.run(user).changes > 0;
  }

  async list(query: UserListQuery): Promise<UserSummary[]> {
    return this.summaries.all({
      now: query.now,
      id: query.id ?? null,
      contains: query.emailContains?.toLowerCase() ?? null,
      after: query.afterId ?? null,
      limit: query.limit ?? -1,
    });
  }

  async setDisabled(id: string, disabledAt: string | null): Promise<User | null> {
    return this.disable.get(disabledAt, id) ?? null;
  }
}
