import type { Database, Statement } from 'better-sqlite3';
import type { User } from '../records/user';
import { UsersRepository } from '../repositories/users.repository';

const USER_COLUMNS = 'id, email, created_at';

export class SqliteUsersRepository extends UsersRepository {
  private readonly byEmail: Statement<[string], User>;
  private readonly byId: Statement<[string], User>;
  private readonly insertUnlessPresent: Statement<[User]>;

  constructor(db: Database) {
    super();
    this.byEmail = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE email = ?`);
    this.byId = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
    this.insertUnlessPresent = db.prepare(`INSERT OR IGNORE INTO users (${USER_COLUMNS}) VALUES (@id, @email, @created_at)`);
  }

  async findByEmail(email: string): Promise<User | null> {
    return this.byEmail.get(email) ?? null;
  }

  async findById(id: string): Promise<User | null> {
    return this.byId.get(id) ?? null;
  }

  async findOrCreate(candidate: User): Promise<User> {
    // Insert-or-ignore on the unique email, then read back whichever row won.
    this.insertUnlessPresent.run(candidate);
    const user = this.byEmail.get(candidate.email);
    if (!user) throw new Error('user vanished between insert and read');
    return user;
  }
}
