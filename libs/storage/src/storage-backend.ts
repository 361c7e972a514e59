import type { ApiKeysRepository } from './repositories/api-keys.repository';
import type { AuthRequestsRepository } from './repositories/auth-requests.repository';
import type { EventStore } from './repositories/event-store';
import type { MembershipsRepository } from './repositories/memberships.repository';
import type { ProjectsRepository } from './repositories/projects.repository';
import type { UsersRepository } from './repositories/users.repository';
import { openSqliteBackend } from './sqlite/sqlite-backend';
import type { StorageConnection } from './storage-connection';
import type { StorageOptions } from './storage-options';

/** One implementation of every repository, over one backend's connection(s). */
export interface StorageBackend {
  connection: StorageConnection;
  users: UsersRepository;
  apiKeys: ApiKeysRepository;
  authRequests: AuthRequestsRepository;
  projects: ProjectsRepository;
  memberships: MembershipsRepository;
  events: EventStore;
}

/**
 * The backend the options ask for, opened (and migrated) before the app
 * serves anything. This is the seam of a second backend: a `postgres/` set of
 * repositories behind an `openPostgresBackend(options)`, chosen here when the
 * options carry a database URL. Nothing outside libs/storage changes.
 */
export function openStorageBackend(options: StorageOptions): Promise<StorageBackend> {
  return openSqliteBackend(options);
}
