import type { ApiKeysRepository } from './repositories/api-keys.repository';
import type { AuthRequestsRepository } from './repositories/auth-requests.repository';
import type { EventStore } from './repositories/event-store';
import type { MembershipsRepository } from './repositories/memberships.repository';
import type { ProjectsRepository } from './repositories/projects.repository';
import type { RateLimitCounters } from './repositories/rate-limit-counters';
import type { UsersRepository } from './repositories/users.repository';
import type { StorageConnection } from './storage-connection';

/** One implementation of every repository, over one backend's connection(s). */
export interface StorageBackend {
  connection: StorageConnection;
  users: UsersRepository;
  apiKeys: ApiKeysRepository;
  authRequests: AuthRequestsRepository;
  projects: ProjectsRepository;
  memberships: MembershipsRepository;
  events: EventStore;
  rateLimitCounters: RateLimitCounters;
}
