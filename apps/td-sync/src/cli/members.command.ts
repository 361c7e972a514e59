import { MemberAdministration } from '@td-sync/admin';
import { withAdminContext } from './admin-context';
import { CommandGroup } from './command-group';
import { defineCommand } from './define-command';

const add = defineCommand({
  name: 'add',
  commandLine: 'td-sync members add',
  summary: 'add a user to a project with a role',
  positionals: { names: ['project-id', 'email', 'role'] },
  options: { json: { type: 'boolean' } },
  help: `Adds <email> to a live project as owner, writer or reader, whoever owns it: the way to give a
migrated or orphaned project its first owner. An address without an account gets one (as when an
owner adds a teammate), so this works while sign-ups are off.

Options:
  --json  print the new membership as JSON`,
  async run({ values, positionals: [projectId, email, role] }, io) {
    const member = await withAdminContext((app) => app.get(MemberAdministration).add(projectId, email, role));
    io.out(values.json ? JSON.stringify({ project_id: projectId, ...member }, null, 2) : `added ${member.email} (${member.user_id}) to ${projectId} as ${member.role}`);
    return 0;
  },
});

export const membersCommand = new CommandGroup(
  'members',
  'add a member to any project',
  "A project's members and their roles (owner > writer > reader). Owners manage members through the API; the operator can step in here.",
  [add],
);
