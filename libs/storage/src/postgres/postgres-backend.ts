import type { StorageBackend } from '../storage-backend';
import type { PostgresOptions } from '../storage-options';
import { PostgresApiKeysRepository } from './postgres-api-keys.repository';
import { PostgresAuthRequestsRepository } from './postgres-auth-requests.repository';
import { PostgresDatabase } from './postgres-database';
import { PostgresEventStore } from './postgres-event-store';
import { PostgresMembershipsRepository } from './postgres-memberships.repository';
import { PostgresProjectsRepository } from './postgres-projects.repository';
import { PostgresRateLimitCounters } from './postgres-rate-limit-counters';
import { PostgresStorageConnection } from './postgres-storage-connection';
import { PostgresUsersRepository } from './postgres-users.repository';

/**
 * The PostgreSQL backend: everything in one database that any number of
 * nodes share, through one pool per node. Opening waits for the database,
 * migrates it (one node at a time) and returns the repositories. None of
 * them keeps shared state in the node's memory: roles, keys, projects,
 * counts and rate-limit windows are read from the database on every request.
 */
export async function openPostgresBackend(options: PostgresOptions): Promise<StorageBackend> {
  const db = await PostgresDatabase.open(options);
  return {
    connection: new PostgresStorageConnection(db),
    users: new PostgresUsersRepository(db),
    apiKeys: new PostgresApiKeysRepository(db),
    authRequests: new PostgresAuthRequestsRepository(db),
    projects: new PostgresProjectsRepository(db),
    memberships: new PostgresMembershipsRepository(db),
    events: new PostgresEventStore(db),
    rateLimitCounters: new PostgresRateLimitCounters(db),
  };
}
