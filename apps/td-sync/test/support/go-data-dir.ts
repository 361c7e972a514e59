import BetterSqlite3, { Database } from 'better-sqlite3';
import { createHash, randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A data directory of the upstream Go td-sync server (marcus/td), built with
 * its schema as of server schema version 6, written here from reading
 * internal/serverdb/schema.go and internal/sync/engine.go (InitServerEventLog):
 * `<dir>/server.db` and `<dir>/projects/<id>/events.db`. Values are written as
 * that server writes them: times through modernc.org/sqlite's
 * `_time_format=sqlite` layout (`2006-01-02 15:04:05.999999999-07:00`) or
 * CURRENT_TIMESTAMP, payloads as BLOBs, journal mode TRUNCATE.
 */
const SERVER_SCHEMA = `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT UNIQUE NOT NULL,
  email_verified_at DATETIME,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  is_admin BOOLEAN NOT NULL DEFAULT 0
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  key_hash TEXT UNIQUE NOT NULL,
  key_prefix TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  scopes TEXT NOT NULL DEFAULT 'sync',
  expires_at DATETIME,
  last_used_at DATETIME,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deleted_at DATETIME,
  event_count INTEGER NOT NULL DEFAULT 0,
  last_event_at DATETIME,
  slug TEXT
);
CREATE TABLE memberships (
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role TEXT NOT NULL CHECK(role IN ('owner', 'writer', 'reader')),
  invited_by TEXT NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (project_id, user_id),
  FOREIGN KEY (project_id) REFERENCES projects(id) ON DELETE CASCADE,
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  email TEXT NOT NULL,
  role TEXT NOT NULL CHECK(role IN ('owner', 'writer', 'reader')),
  invited_by TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK(status IN ('pending', 'accepted', 'declined', 'expired')),
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires_at DATETIME NOT NULL,
  accepted_at DATETIME
);
CREATE TABLE sync_cursors (
  project_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  last_event_id BIGINT NOT NULL DEFAULT 0,
  last_sync_at DATETIME,
  PRIMARY KEY (project_id, client_id)
);
CREATE TABLE schema_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE auth_requests (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  device_code TEXT UNIQUE NOT NULL,
  user_code TEXT UNIQUE NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  user_id TEXT,
  api_key_id TEXT,
  expires_at DATETIME NOT NULL,
  verified_at DATETIME,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE auth_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  auth_request_id TEXT NOT NULL,
  email TEXT NOT NULL,
  event_type TEXT NOT NULL,
  metadata TEXT DEFAULT '{}',
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_api_keys_user ON api_keys(user_id);
CREATE INDEX idx_api_keys_prefix ON api_keys(key_prefix);
CREATE INDEX idx_memberships_user ON memberships(user_id);
CREATE UNIQUE INDEX idx_projects_slug ON projects(slug);
INSERT INTO schema_info (key, value) VALUES ('version', '6');
`;

const EVENTS_SCHEMA = `
CREATE TABLE events (
  server_seq INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  client_action_id INTEGER NOT NULL,
  action_type TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  payload JSON NOT NULL,
  client_timestamp DATETIME NOT NULL,
  server_timestamp DATETIME DEFAULT CURRENT_TIMESTAMP,
  UNIQUE(device_id, session_id, client_action_id)
);
CREATE INDEX idx_events_entity ON events(entity_type, entity_id);
`;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface GoUserRow {
  id: string;
  email: string;
  is_admin?: boolean;
  created_at: string;
}

export interface GoKeyRow {
  id: string;
  user_id: string;
  name?: string;
  scopes?: string;
  expires_at: string | null;
  last_used_at?: string | null;
  created_at: string;
}

export interface GoProjectRow {
  id: string;
  name: string;
  description?: string;
  created_at: string;
  updated_at?: string;
  deleted_at?: string | null;
  members: Array<{ user_id: string; role: string; invited_by?: string; created_at: string }>;
}

export interface GoEventRow {
  server_seq: number;
  device_id: string;
  session_id: string;
  /** Text, so that int64 values beyond 2^53 are written exactly. */
  client_action_id: string;
  action_type: string;
  entity_type: string;
  entity_id: string;
  /** The bytes the Go server stored. */
  payload: string;
  client_timestamp: string;
  server_timestamp: string;
}

/** A key as the Go server makes one: `td_live_` + 32 base62; it stores the SHA-256 hex and the first 8 of the secret. */
export function goApiKey(): { key: string; hash: string; prefix: string } {
  let secret = '';
  for (let i = 0; i < 32; i++) secret += BASE62[randomInt(BASE62.length)];
  const key = `td_live_${secret}`;
  return { key, hash: createHash('sha256').update(key).digest('hex'), prefix: secret.slice(0, 8) };
}

/** Writes a Go server's data directory at `dir`. Keys are given with the secrets the test will present. */
export function writeGoDataDir(
  dir: string,
  data: {
    users: GoUserRow[];
    keys: Array<GoKeyRow & { key: { hash: string; prefix: string } }>;
    projects: GoProjectRow[];
    /** Project id → its events; a project missing here has no events.db at all. */
    events: Record<string, GoEventRow[]>;
  },
): void {
  mkdirSync(join(dir, 'projects'), { recursive: true });
  const server = open(join(dir, 'server.db'), SERVER_SCHEMA);
  try {
    const user = server.prepare('INSERT INTO users (id, email, is_admin, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
    for (const u of data.users) user.run(u.id, u.email, u.is_admin ? 1 : 0, u.created_at, u.created_at);
    const key = server.prepare('INSERT INTO api_keys (id, user_id, key_hash, key_prefix, name, scopes, expires_at, last_used_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (const k of data.keys) key.run(k.id, k.user_id, k.key.hash, k.key.prefix, k.name ?? '', k.scopes ?? 'sync', k.expires_at, k.last_used_at ?? null, k.created_at);
    const project = server.prepare('INSERT INTO projects (id, name, description, created_at, updated_at, deleted_at, event_count, slug) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const member = server.prepare('INSERT INTO memberships (project_id, user_id, role, invited_by, created_at) VALUES (?, ?, ?, ?, ?)');
    for (const p of data.projects) {
      project.run(p.id, p.name, p.description ?? '', p.created_at, p.updated_at ?? p.created_at, p.deleted_at ?? null, data.events[p.id]?.length ?? 0, p.name.toLowerCase());
      for (const m of p.members) member.run(p.id, m.user_id, m.role, m.invited_by ?? '', m.created_at);
    }
  } finally {
    server.close();
  }
  for (const [projectId, events] of Object.entries(data.events)) {
    mkdirSync(join(dir, 'projects', projectId), { recursive: true });
    const db = open(join(dir, 'projects', projectId, 'events.db'), EVENTS_SCHEMA);
    try {
      const insert = db.prepare(
        `INSERT INTO events (server_seq, device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
         VALUES (?, ?, ?, CAST(? AS INTEGER), ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of events) {
        insert.run(e.server_seq, e.device_id, e.session_id, e.client_action_id, e.action_type, e.entity_type, e.entity_id, Buffer.from(e.payload, 'utf8'), e.client_timestamp, e.server_timestamp);
      }
    } finally {
      db.close();
    }
  }
}

function open(path: string, schema: string): Database {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = TRUNCATE');
  db.exec(schema);
  return db;
}
