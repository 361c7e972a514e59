import type { Client, ClientConfig } from 'pg';

/**
 * What a PostgreSQL cluster's superuser does beside the schema td-sync owns:
 * make and drop a database, take one out of service the way an outage does
 * and put it back, count the sessions of one that wait for a lock. The test
 * harness runs its throwaway cluster through this (a fresh database per
 * spec, one that stops answering for the health specs, pushes seen queued
 * at a lock), so that every statement td-sync sends lives in this library.
 *
 * Each call opens a connection of its own to the cluster's maintenance
 * database `postgres` and closes it. node-postgres is loaded on first use,
 * as everywhere in this library: a SQLite server never loads it.
 */
export class PostgresClusterAdmin {
  /** `connection`: host, port and the superuser's credentials (the database is always `postgres`). */
  constructor(private readonly connection: Omit<ClientConfig, 'database'>) {}

  async createDatabase(name: string): Promise<void> {
    await this.run((client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  }

  /** Drops `name`, ending whatever connections are still open to it. */
  async dropDatabase(name: string): Promise<void> {
    await this.run((client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`));
  }

  /** No new connection to `name` is allowed and every open one is ended: its clients find nothing that answers. */
  async refuseConnections(name: string): Promise<void> {
    await this.run(async (client) => {
      await client.query(`ALTER DATABASE ${client.escapeIdentifier(name)} ALLOW_CONNECTIONS false`);
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    });
  }

  /** Lets `name` take connections again (after refuseConnections). */
  async allowConnections(name: string): Promise<void> {
    await this.run((client) => client.query(`ALTER DATABASE ${client.escapeIdentifier(name)} ALLOW_CONNECTIONS true`));
  }

  /**
   * How many sessions of database `name` wait for a lock now. Asked on a
   * connection of its own, whose view of pg_stat_activity is taken fresh
   * (a session inside a transaction keeps the first view it took).
   */
  async sessionsWaitingForLock(name: string): Promise<number> {
    return this.run(async (client) => {
      const { rows } = await client.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`,
        [name],
      );
      return rows[0].waiting;
    });
  }

  private async run<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const { Client: PgClient } = await import('pg');
    const client = new PgClient({ ...this.connection, database: 'postgres' });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}
