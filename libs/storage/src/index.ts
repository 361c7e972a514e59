/**
 * The only place that talks to a database. Features use the repositories
 * (abstract classes, injectable once they import StorageModule) and the
 * records; the backend behind them is chosen at start (see open-storage-backend.ts).
 */
export { StorageModule } from './storage.module';
export { StorageOptionsModule } from './storage-options.module';
export { STORAGE_OPTIONS } from './storage-options';
export type { StorageOptions } from './storage-options';
export { StorageConnection } from './storage-connection';
export type { StorageGauges, PoolGauges } from './storage-gauges';
export { StorageMetrics } from './storage-metrics';
export { waitForStorage } from './wait-for-storage';
export { StorageUnavailableError } from './storage-unavailable.error';
export { isProjectId } from './project-id';
// The descriptor limit and the share of it the project databases leave to everything else (the app caps connections within it).
export { readOpenFileLimit } from './open-file-limit';
export { projectDatabaseBudget } from './project-database-budget';
export { describeDatabase } from './postgres/describe-database';
// A cluster's superuser work (databases made, dropped, taken out of service): the test harness's.
export { PostgresClusterAdmin } from './postgres/postgres-cluster-admin';

export type { User, NewUser } from './records/user';
export type { ApiKey } from './records/api-key';
export type { AuthRequest, AuthFlow, AuthRequestStatus } from './records/auth-request';
export type { Project } from './records/project';
export type { Member, Membership, ProjectRole } from './records/membership';

export type { AccessDecision } from './repositories/access-decision';
export { UsersRepository } from './repositories/users.repository';
export type { UserListQuery, UserSummary } from './repositories/users.repository';
export { ApiKeysRepository } from './repositories/api-keys.repository';
export type { ApiKeyListing, ApiKeyWithOwner } from './repositories/api-keys.repository';
export { AuthRequestsRepository } from './repositories/auth-requests.repository';
export type { EmailAllowance } from './repositories/auth-requests.repository';
export { ProjectsRepository } from './repositories/projects.repository';
export type { NewProject, ProjectChanges, ProjectListQuery, ProjectSummary } from './repositories/projects.repository';
export { MembershipsRepository } from './repositories/memberships.repository';
export type { MemberAdded, MemberChanged, MembershipChangeRule } from './repositories/memberships.repository';
export { EventStore, PushOutcome, PAGE_BYTE_BUDGET } from './repositories/event-store';
export type { AppendResult, EventLogStatus, EventLogSummary, EventPage, EventPageRequest, PushBatch, PushEvent, StoredEvent } from './repositories/event-store';
export { RateLimitCounters } from './repositories/rate-limit-counters';
export type { RateLimitWindow } from './repositories/rate-limit-counters';

export { migrateSqliteToPostgres } from './migration/migrate-sqlite-to-postgres';
export type { MigrationProgress, MigrationSummary, ProjectOutcome, SqliteToPostgresOptions } from './migration/sqlite-to-postgres';
export { locateSqliteData } from './migration/sqlite-data-location';
export type { SqliteDataLocation } from './migration/sqlite-data-location';
export { MigrationRefused } from './migration/migration-refused';

export { GoDataDirectory } from './go-import/go-data-directory';
export { GoDataDirectoryError } from './go-import/go-data-directory-error';
export { GoEventLog } from './go-import/go-event-log';
export type { GoApiKey, GoEvent, GoMembership, GoProject, GoTime, GoUser } from './go-import/go-records';
