import { locateSqliteData, migrateSqliteToPostgres, MigrationProgress, MigrationSummary } from '@td-sync/storage';
import { SyncConfig } from '../config/sync-config';
import { defineCommand } from './define-command';
import { UsageError } from './usage-error';

const COMMAND_LINE = 'td-sync migrate-to-postgres';
/** A line about a large project's progress at most this often (in events). */
const PROGRESS_EVERY = 100_000;

export const migrateToPostgresCommand = defineCommand({
  name: 'migrate-to-postgres',
  commandLine: COMMAND_LINE,
  summary: 'copy a SQLite deployment into an empty PostgreSQL database (moving up)',
  options: { from: { type: 'string' }, to: { type: 'string' }, projects: { type: 'string' }, resume: { type: 'boolean' }, json: { type: 'boolean' } },
  help: `Copies a td-sync deployment from its SQLite files into PostgreSQL, as the PostgreSQL backend
stores it: users, API keys (hashes, expiry, revocation), logins in progress, projects, members,
and every project's events with their seqs, payload bytes and timestamps, and each project's seq
counter. Nobody has to log in again and no client has to re-sync. Stop the server first (what it
writes after the copy began is not copied); start the nodes with SYNC_DATABASE_URL afterwards.

The target must be empty. Each project is copied in one transaction and checked before it
commits, so an interrupted run leaves whole projects only: run again with --resume to go on.
Anything the copy could not keep (a table or column PostgreSQL has no place for, a live project
without its events.db) stops it with a message, before it is written. The SQLite files are only read.

Options:
  --from <path>     the SQLite data directory (holding server.db and projects/), or server.db
                    (default: SYNC_SERVER_DB_PATH and SYNC_PROJECT_DATA_DIR)
  --to <url>        the PostgreSQL database: postgres://user:password@host:5432/db (or
                    postgresql://; default: SYNC_DATABASE_URL)
  --projects <dir>  where the project databases are, when not in projects/ beside server.db
  --resume          continue an interrupted run into the same database: projects already
                    copied are checked and skipped, users and keys are copied again
  --json            print the summary as JSON`,
  async run({ values }, io) {
    // What is not given comes from the server's own settings, read only when needed.
    const settings = () => SyncConfig.fromProcessEnv();
    const to = (values.to as string | undefined) ?? settings().databaseUrl;
    if (!to) throw new UsageError('--to <postgres:// URL> is required (or SYNC_DATABASE_URL)', COMMAND_LINE);
    if (!/^postgres(ql)?:\/\/./.test(to)) throw new UsageError('--to must be a postgres:// or postgresql:// URL', COMMAND_LINE);
    const projects = values.projects as string | undefined;
    const from = values.from as string | undefined;
    const source = from !== undefined ? locateSqliteData(from, projects) : locateSqliteData(settings().serverDbPath, projects ?? settings().projectDataDir);
    const summary = await migrateSqliteToPostgres({ ...source, databaseUrl: to, resume: values.resume === true, onProgress: progressLines(source.serverDbPath, io.err) });
    io.out(values.json ? JSON.stringify(summary, null, 2) : describeSummary(summary));
    return 0;
  },
});

const number = (n: number | string) => Number(n).toLocaleString('en-US');

/** One line on stderr per step: the start, the server tables, each project, and now and then a large project's progress. */
function progressLines(serverDbPath: string, write: (line: string) => void): (progress: MigrationProgress) => void {
  let printedAt = 0;
  return (progress) => {
    switch (progress.kind) {
      case 'started':
        write(`copying ${serverDbPath} into PostgreSQL at ${progress.target}: ${number(progress.projects)} projects${progress.resume ? ' (resuming)' : ''}`);
        break;
      case 'server-tables': {
        const { users = 0, api_keys: keys = 0, auth_requests: logins = 0 } = progress.rows;
        write(`users: ${number(users)}, API keys: ${number(keys)}, logins in progress: ${number(logins)}`);
        printedAt = 0;
        break;
      }
      case 'project-events':
        if (progress.copied - printedAt >= PROGRESS_EVERY) {
          printedAt = progress.copied;
          write(`project ${progress.index}/${progress.total} ${progress.projectId}: ${number(progress.copied)} of ${number(progress.of)} events`);
        }
        break;
      case 'project': {
        printedAt = 0;
        const events = `${number(progress.events)} events up to seq ${number(progress.lastSeq)}`;
        const what = { copied: `copied ${events}`, 'already-copied': `already copied (${events})`, 'copied-without-events': 'copied without events (deleted, and its events.db is gone)' }[progress.outcome];
        write(`project ${progress.index}/${progress.total} ${progress.projectId}: ${what}`);
        break;
      }
    }
  };
}

function describeSummary(summary: MigrationSummary): string {
  const { projects } = summary;
  const copied = projects.copied + projects['copied-without-events'];
  return [
    `done: ${number(copied)} projects copied${projects['already-copied'] ? `, ${number(projects['already-copied'])} already there` : ''}, ${number(summary.events)} events`,
    'start td-sync with SYNC_DATABASE_URL set to this database',
  ].join('\n');
}
