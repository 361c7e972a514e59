import { GoImport, GoImportReport, ProjectImport } from '@td-sync/admin';
import { withAdminContext } from './admin-context';
import { defineCommand } from './define-command';
import { formatTable } from './table';
import { UsageError } from './usage-error';

export const importGoCommand = defineCommand({
  name: 'import-go',
  commandLine: 'td-sync import-go',
  summary: 'take over the data of the upstream Go td-sync server',
  options: { from: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' } },
  help: `Copies a Go td-sync server's data into this server: users, API keys (both servers store the
SHA-256 of a key, so every td client keeps its key), projects, members, and every event under its
original server_seq (so every client's sync cursor stays valid). Stop the Go server first, run this,
then point the same URL at td-sync.

Each project is copied whole or not at all; one that fails is reported and left out. A second run
skips what is already here. The Go admin UI's short-lived "view as" keys are not carried over, and
keys that never expired there expire a year from now here.

Options:
  --from <dir>  the Go server's data directory: the one holding server.db and projects/
                (its SYNC_SERVER_DB_PATH and SYNC_PROJECT_DATA_DIR default to ./data/...)
  --force       import even though this server already has users or projects (nothing
                here is overwritten: an address or project id already here is kept as it is)
  --json        print the report as JSON`,
  async run({ values }, io) {
    const from = values.from as string | undefined;
    if (!from) throw new UsageError('--from <Go data directory> is required', 'td-sync import-go');
    const report = await withAdminContext((app) =>
      app.get(GoImport).run({
        from,
        force: values.force === true,
        onProject: values.json ? undefined : (project) => io.err(`${project.id}: ${describe(project)}`),
      }),
    );
    io.out(values.json ? JSON.stringify(report, null, 2) : summary(report));
    return report.projects.some((project) => project.status === 'failed') ? 1 : 0;
  },
});

function describe(project: ProjectImport): string {
  if (project.status === 'imported') return `imported, ${project.events} events up to seq ${project.last_server_seq}, ${project.members} members`;
  return `${project.status}: ${project.reason}`;
}

function summary(report: GoImportReport): string {
  const { users, keys, projects, warnings } = report;
  const lines = [
    `from ${report.from}`,
    `users: ${users.imported} imported, ${users.existing} already here${users.skipped ? `, ${users.skipped} skipped` : ''}`,
    `keys: ${keys.imported} imported, ${keys.existing} already here` +
      (keys.skipped_impersonation ? `, ${keys.skipped_impersonation} "view as" keys left out` : '') +
      (keys.skipped_orphaned ? `, ${keys.skipped_orphaned} of users not imported left out` : '') +
      (keys.given_expiry ? `, ${keys.given_expiry} given an expiry a year from now` : ''),
    `projects: ${count(projects, 'imported')} imported, ${count(projects, 'skipped')} skipped, ${count(projects, 'failed')} failed`,
  ];
  if (projects.length > 0) {
    lines.push(
      '',
      formatTable(projects, [
        { heading: 'project', value: (p) => p.id },
        { heading: 'name', value: (p) => p.name },
        { heading: 'result', value: (p) => (p.status === 'imported' ? `imported${p.deleted ? ' (deleted)' : ''}` : `${p.status}: ${p.reason}`) },
        { heading: 'events', value: (p) => p.events },
        { heading: 'last seq', value: (p) => p.last_server_seq },
        { heading: 'members', value: (p) => p.members },
      ]),
    );
  }
  if (warnings.length > 0) lines.push('', 'warnings:', ...warnings.map((warning) => `  ${warning}`));
  return lines.join('\n');
}

function count(projects: ProjectImport[], status: ProjectImport['status']): number {
  return projects.filter((project) => project.status === status).length;
}
