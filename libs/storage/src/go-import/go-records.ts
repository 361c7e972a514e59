/**
 * Rows of the upstream Go td-sync server's databases (marcus/td,
 * internal/serverdb and internal/sync), as that server stored them. Times
 * are whatever its SQLite driver wrote (usually
 * `2006-01-02 15:04:05.999999999-07:00`, or `2006-01-02 15:04:05` from
 * CURRENT_TIMESTAMP): the importer converts them, not this reader.
 */
export type GoTime = string | number | null;

export interface GoUser {
  id: string;
  email: string;
  is_admin: boolean;
  created_at: GoTime;
}

export interface GoApiKey {
  id: string;
  user_id: string;
  /** Hex SHA-256 of the whole key, the same hashing td-sync uses. */
  key_hash: string;
  key_prefix: string;
  name: string;
  /** Comma-separated: `sync`, admin scopes such as `admin:read:server`, or `impersonation:read`. */
  scopes: string;
  /** Null: the key never expires. */
  expires_at: GoTime;
  last_used_at: GoTime;
  created_at: GoTime;
}

export interface GoProject {
  id: string;
  name: string;
  description: string;
  created_at: GoTime;
  updated_at: GoTime;
  deleted_at: GoTime;
}

export interface GoMembership {
  project_id: string;
  user_id: string;
  role: string;
  /** '' for a project's creator. */
  invited_by: string;
  created_at: GoTime;
}

export interface GoEvent {
  /** Exact: a number while it is a safe integer, else a bigint. */
  server_seq: number | bigint;
  device_id: string;
  session_id: string;
  client_action_id: number | bigint;
  action_type: string;
  entity_type: string;
  entity_id: string;
  /** The stored bytes (the Go server binds them as a BLOB). */
  payload: Buffer;
  client_timestamp: GoTime;
  server_timestamp: GoTime;
}
