import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ApiKeysRepository } from './repositories/api-keys.repository';
import { AuthRequestsRepository } from './repositories/auth-requests.repository';
import { EventStore } from './repositories/event-store';
import { MembershipsRepository } from './repositories/memberships.repository';
import { ProjectsRepository } from './repositories/projects.repository';
import { RateLimitCounters } from './repositories/rate-limit-counters';
import { UsersRepository } from './repositories/users.repository';
import { openStorageBackend } from './open-storage-backend';
import type { StorageBackend } from './storage-backend';
import { countFailures } from './count-failures';
import { StorageConnection } from './storage-connection';
import { StorageMetrics } from './storage-metrics';
import { STORAGE_OPTIONS } from './storage-options';

/** The opened backend; private to this module, which hands out its parts. */
const STORAGE_BACKEND = Symbol('STORAGE_BACKEND');

/** A repository of the backend, as features get it: with its failures counted in StorageMetrics. */
const part = <T extends object>(provide: abstract new (...args: never[]) => T, pick: (backend: StorageBackend) => T) => ({
  provide,
  inject: [STORAGE_BACKEND, StorageMetrics],
  useFactory: (backend: StorageBackend, metrics: StorageMetrics) => countFailures(pick(backend), () => metrics.databaseErrors.inc()),
});

/**
 * Every database access of td-sync, as repositories (abstract classes, used
 * as injection tokens) implemented by the backend that STORAGE_OPTIONS selects
 * (see open-storage-backend.ts). Feature modules import this module for the
 * repositories they use; the options come from the app's configuration, the
 * one global module. Not global itself, so the graph shows who uses storage.
 *
 * Repository calls that fail are counted in StorageMetrics (database errors),
 * which /metrics exposes with the backend's connection figures.
 *
 * Nest makes one instance of a static module however many modules import it,
 * so there is one backend. It closes at application shutdown, which Nest runs
 * after the HTTP server has drained.
 */
@Module({
  providers: [
    { provide: STORAGE_BACKEND, inject: [STORAGE_OPTIONS], useFactory: openStorageBackend },
    { provide: StorageMetrics, inject: [STORAGE_BACKEND], useFactory: (backend: StorageBackend) => new StorageMetrics(backend.connection) },
    { provide: StorageConnection, inject: [STORAGE_BACKEND], useFactory: (backend: StorageBackend) => backend.connection },
    part(UsersRepository, (backend) => backend.users),
    part(ApiKeysRepository, (backend) => backend.apiKeys),
    part(AuthRequestsRepository, (backend) => backend.authRequests),
    part(ProjectsRepository, (backend) => backend.projects),
    part(MembershipsRepository, (backend) => backend.memberships),
    part(EventStore, (backend) => backend.events),
    part(RateLimitCounters, (backend) => backend.rateLimitCounters),
  ],
  exports: [
    StorageConnection,
    StorageMetrics,
    UsersRepository,
    ApiKeysRepository,
    AuthRequestsRepository,
    ProjectsRepository,
    MembershipsRepository,
    EventStore,
    RateLimitCounters,
  ],
})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(STORAGE_BACKEND) private readonly backend: StorageBackend) {}

  async onApplicationShutdown(): Promise<void> {
    await this.backend.connection.close();
  }
}
