import { AdminProjectDetail, AdminProjectView, ProjectAdministration, PurgedProject } from '@td-sync/admin';
import { withAdminContext } from './admin-context';
import { parseAgeMs } from './age';
import { CommandGroup } from './command-group';
import { defineCommand } from './define-command';
import { formatFields, formatTable } from './table';
import { UsageError } from './usage-error';

const JSON_HELP = '  --json             print JSON instead of a table (for scripts)';

const list = defineCommand({
  name: 'list',
  commandLine: 'td-sync projects list',
  summary: 'list every project, whoever its members are',
  options: { deleted: { type: 'boolean' }, json: { type: 'boolean' } },
  help: `Lists every live project, oldest first: id, name, number of members, when it was created.

Options:
  --deleted          soft-deleted projects too (their DELETED column shows when)
${JSON_HELP}`,
  async run({ values }, io) {
    const projects = await withAdminContext((app) => app.get(ProjectAdministration).list({ includeDeleted: values.deleted === true }));
    projects.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
    if (values.json) io.out(JSON.stringify(projects, null, 2));
    else if (projects.length === 0) io.out(values.deleted ? 'no projects' : 'no live projects');
    else io.out(projectsTable(projects, values.deleted === true));
    return 0;
  },
});

const show = defineCommand({
  name: 'show',
  commandLine: 'td-sync projects show',
  summary: 'one project: members, events, size on disk',
  positionals: { names: ['project-id'] },
  options: { json: { type: 'boolean' } },
  help: `Shows a project, live or deleted: its members with their emails and roles, how many events it
holds, its last seq and newest event, and the size of its event data on disk.

Options:
${JSON_HELP}`,
  async run({ values, positionals: [id] }, io) {
    const project = await withAdminContext((app) => app.get(ProjectAdministration).show(id));
    io.out(values.json ? JSON.stringify(project, null, 2) : projectDetail(project));
    return 0;
  },
});

const purgeDeleted = defineCommand({
  name: 'purge-deleted',
  commandLine: 'td-sync projects purge-deleted',
  summary: 'remove the data of projects deleted long enough ago',
  options: { 'older-than': { type: 'string', default: '30d' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
  help: `A deleted project answers 404 at once, but its data stays on disk, so a mistaken delete can be
undone by hand. This removes the projects deleted longer ago than the grace period for good: their
event data, members and row.

Options:
  --older-than <age> the grace period: 30d (default), 2w, 36h, 0 for every deleted project
  --dry-run          only list what would be removed
${JSON_HELP}`,
  async run({ values }, io) {
    const olderThan = parseAgeMs(values['older-than'] as string);
    if (olderThan === undefined) throw new UsageError(`--older-than must be an age such as 30d, 2w or 36h, not ${JSON.stringify(values['older-than'])}`, 'td-sync projects purge-deleted');
    const dryRun = values['dry-run'] === true;
    const purged = await withAdminContext((app) => app.get(ProjectAdministration).purgeDeleted(olderThan, { dryRun }));
    if (values.json) io.out(JSON.stringify(purged, null, 2));
    else io.out(purgeSummary(purged, dryRun, values['older-than'] as string));
    return 0;
  },
});

export const projectsCommand = new CommandGroup(
  'projects',
  'list projects, show one, purge deleted ones',
  "Every project on this server, whoever its members are. Project ids are what td's sync settings name (p_ and 16 hex digits).",
  [list, show, purgeDeleted],
);

function projectsTable(projects: AdminProjectView[], withDeleted: boolean): string {
  return formatTable(projects, [
    { heading: 'id', value: (p) => p.id },
    { heading: 'name', value: (p) => p.name },
    { heading: 'members', value: (p) => p.member_count },
    { heading: 'created', value: (p) => p.created_at },
    ...(withDeleted ? [{ heading: 'deleted', value: (p: AdminProjectView) => p.deleted_at }] : []),
  ]);
}

function projectDetail(project: AdminProjectDetail): string {
  const events = project.event_log_missing
    ? 'none: its event data is missing from storage'
    : `${project.event_count} (last seq ${project.last_server_seq}${project.last_event_at ? `, newest ${project.last_event_at}` : ''})`;
  const fields = formatFields([
    ['id', project.id],
    ['name', project.name],
    ['description', project.description],
    ['created', project.created_at],
    ['updated', project.updated_at],
    ['deleted', project.deleted_at ?? 'no'],
    ['events', events],
    ['size on disk', formatBytes(project.size_bytes)],
    ['members', project.member_count],
  ]);
  if (project.members.length === 0) return `${fields}\n\nno members: give it an owner with \`td-sync members add ${project.id} <email> owner\``;
  const members = formatTable(project.members, [
    { heading: 'user id', value: (m) => m.user_id },
    { heading: 'email', value: (m) => m.email },
    { heading: 'role', value: (m) => m.role },
    { heading: 'since', value: (m) => m.created_at },
  ]);
  return `${fields}\n\n${members}`;
}

function purgeSummary(purged: PurgedProject[], dryRun: boolean, olderThan: string): string {
  if (purged.length === 0) return `no project was deleted more than ${olderThan} ago`;
  return formatTable(purged, [
    { heading: 'id', value: (p) => p.id },
    { heading: 'name', value: (p) => p.name },
    { heading: 'deleted', value: (p) => p.deleted_at },
    { heading: dryRun ? 'would purge' : 'purged', value: (p) => (dryRun ? 'yes' : p.purged ? 'yes' : 'no (changed meanwhile)') },
  ]);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]} (${bytes} bytes)`;
}
