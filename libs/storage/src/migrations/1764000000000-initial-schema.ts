import { MigrationInterface, QueryRunner } from 'typeorm';

/** The server database as PROTOCOL.md (Server storage) lists it. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE users (
      id TEXT PRIMARY KEY NOT NULL,
      email TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL)`);
    await db.query(`CREATE TABLE api_keys (
      id TEXT PRIMARY KEY NOT NULL,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      key_hash TEXT NOT NULL UNIQUE,
      key_prefix TEXT NOT NULL,
      name TEXT NOT NULL,
      scopes TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      last_used_at TEXT,
      revoked_at TEXT,
      created_at TEXT NOT NULL)`);
    await db.query(`CREATE INDEX idx_api_keys_user_id ON api_keys (user_id)`);
    await db.query(`CREATE TABLE auth_requests (
      id TEXT PRIMARY KEY NOT NULL,
      flow TEXT NOT NULL CHECK (flow IN ('user_code', 'email_link')),
      email TEXT NOT NULL,
      device_code_hash TEXT NOT NULL UNIQUE,
      user_code TEXT,
      link_selector TEXT UNIQUE,
      link_secret_hash TEXT,
      code_challenge TEXT,
      device_name TEXT,
      email_sent BOOLEAN NOT NULL DEFAULT 0,
      status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'used')),
      user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
      expires_at TEXT NOT NULL,
      verified_at TEXT,
      created_at TEXT NOT NULL)`);
    await db.query(`CREATE INDEX idx_auth_requests_email ON auth_requests (email)`);
    await db.query(`CREATE INDEX idx_auth_requests_user_code ON auth_requests (user_code)`);
    await db.query(`CREATE INDEX idx_auth_requests_expires_at ON auth_requests (expires_at)`);
    await db.query(`CREATE TABLE projects (
      id TEXT PRIMARY KEY NOT NULL,
      name TEXT NOT NULL,
      description TEXT NOT NULL DEFAULT '',
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      deleted_at TEXT)`);
    await db.query(`CREATE TABLE memberships (
      project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      role TEXT NOT NULL CHECK (role IN ('owner', 'writer', 'reader')),
      invited_by TEXT,
      created_at TEXT NOT NULL,
      PRIMARY KEY (project_id, user_id))`);
    await db.query(`CREATE INDEX idx_memberships_user_id ON memberships (user_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['memberships', 'projects', 'auth_requests', 'api_keys', 'users']) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
