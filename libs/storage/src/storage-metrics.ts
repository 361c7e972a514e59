import { Counter, Gauge, type Metric } from 'prom-client';
import { residentMemoryBytes } from './process-resident-memory';
import type { StorageConnection } from './storage-connection';

/**
 * Storage's Prometheus metrics. They belong to no registry: the app's
 * /metrics registers them (`all`) next to everyone else's, so several apps in
 * one process (the tests) never share a counter.
 *
 * - database errors: every repository call that failed for any reason but the
 *   access decision it was given (see countFailures), on requests and in
 *   background jobs alike;
 * - the backend's connection figures (StorageConnection.gauges), read at each
 *   scrape, and with SQLite the checkpoint process's resident memory, which
 *   the process metrics (the server's own) leave out.
 */
export class StorageMetrics {
  readonly databaseErrors = new Counter({
    name: 'td_sync_database_errors_total',
    help: 'Storage calls that failed (a database that did not answer, a broken or missing file, a constraint); refusals by access rules are not counted',
    registers: [],
  });

  readonly all: Metric[];

  constructor(connection: StorageConnection) {
    const openProjectDatabases = new Gauge({
      name: 'td_sync_open_project_databases',
      help: 'Project event databases open now (SQLite; at most SYNC_MAX_OPEN_PROJECTS)',
      registers: [],
      collect() {
        const open = connection.gauges().openProjectDatabases;
        if (open !== undefined) this.set(open);
      },
    });
    const pool = new Gauge({
      name: 'td_sync_database_pool_connections',
      help: 'Connections of the database pool by state (total, idle, waiting callers); absent with SQLite, which has no pool',
      labelNames: ['state'],
      registers: [],
      collect() {
        const gauges = connection.gauges().pool;
        if (!gauges) return;
        this.set({ state: 'total' }, gauges.total);
        this.set({ state: 'idle' }, gauges.idle);
        this.set({ state: 'waiting' }, gauges.waiting);
      },
    });
    const checkpointProcessMemory = new Gauge({
      name: 'td_sync_checkpoint_process_resident_memory_bytes',
      help: 'Resident memory of the checkpoint process (td-sync checkpoints, SQLite), which a container counts along with the server; 0 while none runs (PostgreSQL, or 30 s after the last project database write)',
      registers: [],
      collect() {
        const pid = connection.gauges().checkpointProcessId;
        this.set((pid === undefined ? undefined : residentMemoryBytes(pid)) ?? 0);
      },
    });
    this.all = [this.databaseErrors, openProjectDatabases, pool, checkpointProcessMemory];
  }
}
