import { AdminUserView, UserAdministration } from '@td-sync/admin';
import { withAdminContext } from './admin-context';
import { CommandGroup } from './command-group';
import { defineCommand } from './define-command';
import { formatTable } from './table';

const JSON_OPTION = { json: { type: 'boolean' } } as const;
const JSON_HELP = 'Options:\n  --json  print JSON (for scripts)';

const list = defineCommand({
  name: 'list',
  commandLine: 'td-sync users list',
  summary: 'list every account',
  options: JSON_OPTION,
  help: `Lists every account, oldest first: its id, email, when it was created, whether it is disabled,
how many live API keys it has ("(admin)" when one of them has the admin scope), how many projects
it belongs to and when one of its keys was last used.

${JSON_HELP}`,
  async run({ values }, io) {
    const users = await withAdminContext((app) => app.get(UserAdministration).list());
    users.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
    if (values.json) io.out(JSON.stringify(users, null, 2));
    else if (users.length === 0) io.out('no users yet: create one with `td-sync users create <email>`');
    else io.out(usersTable(users));
    return 0;
  },
});

const create = defineCommand({
  name: 'create',
  commandLine: 'td-sync users create',
  summary: 'create an account (works while sign-ups are off)',
  positionals: { names: ['email'] },
  options: JSON_OPTION,
  help: `Creates the account of <email>, as a first login would. With SYNC_ALLOW_SIGNUP=false this is how
a new person gets in: create the account here, then they run \`td auth login\` with that address
(or give them a key from \`td-sync keys create <email>\`, or add them to a project with
\`td-sync members add\`, which creates the account too).

${JSON_HELP}`,
  async run({ values, positionals: [email] }, io) {
    const user = await withAdminContext((app) => app.get(UserAdministration).create(email));
    io.out(values.json ? JSON.stringify(user, null, 2) : `created user ${user.email} (${user.id})`);
    return 0;
  },
});

const disable = defineCommand({
  name: 'disable',
  commandLine: 'td-sync users disable',
  summary: 'refuse every key of an account, at once',
  positionals: { names: ['email-or-id'] },
  options: JSON_OPTION,
  help: `Disables the account: from its next request on, every API key of it is refused with 401,
on every server node. Nothing is deleted; \`td-sync users enable\` undoes it.

${JSON_HELP}`,
  async run({ values, positionals: [who] }, io) {
    const { user, changed } = await withAdminContext((app) => app.get(UserAdministration).disable(who));
    io.out(values.json ? JSON.stringify(user, null, 2) : changed ? `disabled ${user.email} (${user.id}): its keys are refused from now on` : `${user.email} was already disabled (since ${user.disabled_at})`);
    return 0;
  },
});

const enable = defineCommand({
  name: 'enable',
  commandLine: 'td-sync users enable',
  summary: 'accept the keys of a disabled account again',
  positionals: { names: ['email-or-id'] },
  options: JSON_OPTION,
  help: `Enables a disabled account: its keys that are neither revoked nor expired work again.

${JSON_HELP}`,
  async run({ values, positionals: [who] }, io) {
    const { user, changed } = await withAdminContext((app) => app.get(UserAdministration).enable(who));
    io.out(values.json ? JSON.stringify(user, null, 2) : changed ? `enabled ${user.email} (${user.id})` : `${user.email} was not disabled`);
    return 0;
  },
});

export const usersCommand = new CommandGroup(
  'users',
  'list, create, disable and enable accounts',
  'Accounts of this server. An account is created by its first login (while sign-ups are on), by an owner adding it to a project, or here.',
  [list, create, disable, enable],
);

function usersTable(users: AdminUserView[]): string {
  return formatTable(users, [
    { heading: 'id', value: (u) => u.id },
    { heading: 'email', value: (u) => u.email },
    { heading: 'created', value: (u) => u.created_at },
    { heading: 'status', value: (u) => (u.disabled_at ? `disabled ${u.disabled_at}` : 'active') },
    { heading: 'keys', value: (u) => `${u.active_key_count}${u.is_admin ? ' (admin)' : ''}` },
    { heading: 'projects', value: (u) => u.project_count },
    { heading: 'last active', value: (u) => u.last_activity },
  ]);
}
