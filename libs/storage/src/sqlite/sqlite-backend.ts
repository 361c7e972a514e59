import { MemoryRateLimitCounters } from '../memory-rate-limit-counters';
import { ProjectDatabases } from '../project-databases';
import type { StorageBackend } from '../storage-backend';
import type { StorageOptions } from '../storage-options';
import { SqliteApiKeysRepository } from './sqlite-api-keys.repository';
import { SqliteAuthRequestsRepository } from './sqlite-auth-requests.repository';
import { SqliteEventLog } from './sqlite-event-log';
import { SqliteEventStore } from './sqlite-event-store';
import { SqliteMembershipsRepository } from './sqlite-memberships.repository';
import { SqliteProjectsRepository } from './sqlite-projects.repository';
import { SqliteServerDatabase } from './sqlite-server-database';
import { SqliteStorageConnection } from './sqlite-storage-connection';
import { SqliteUsersRepository } from './sqlite-users.repository';

/**
 * The SQLite backend: the server database at `serverDbPath` (migrated at
 * open) and one events.db per project under `projectDataDir`, opened on
 * demand and kept within `maxOpenProjects`.
 */
export async function openSqliteBackend(options: StorageOptions): Promise<StorageBackend> {
  const server = await SqliteServerDatabase.open(options.serverDbPath);
  const db = server.connection;
  const projectDatabases = new ProjectDatabases(options);
  const memberships = new SqliteMembershipsRepository(db);
  return {
    connection: new SqliteStorageConnection(server, projectDatabases),
    users: new SqliteUsersRepository(db),
    apiKeys: new SqliteApiKeysRepository(db),
    authRequests: new SqliteAuthRequestsRepository(db),
    projects: new SqliteProjectsRepository(db, projectDatabases),
    memberships,
    events: new SqliteEventStore(projectDatabases, memberships, new SqliteEventLog()),
    // One process serves a SQLite data directory, so its memory is the one budget.
    rateLimitCounters: new MemoryRateLimitCounters(),
  };
}
