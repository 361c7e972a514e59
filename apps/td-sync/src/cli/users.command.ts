import { AdminUserView, UserAdministration } from '@td-sync/admin';
import { withAdminContext } from './admin-context';
import type { Command } from './command';
import { CommandGroup } from './command-group';
import { defineCommand } from './define-command';
import { formatTable } from './table';

/**
 * Every `td-sync users` command has one shape: at most one argument, `--json`,
 * one call to UserAdministration, and its result printed as JSON or as text.
 */
interface UserCommandSpec<T> {
  name: string;
  summary: string;
  /** The one positional argument, if the command takes one. */
  argument?: string;
  /** What the command does; the `--json` option is added after it. */
  help: string;
  call(users: UserAdministration, argument: string): Promise<T>;
  /** What `--json` prints; the result itself by default. */
  json?(result: T): unknown;
  text(result: T): string;
}

function userCommand<T>(spec: UserCommandSpec<T>): Command {
  return defineCommand({
    name: spec.name,
    commandLine: `td-sync users ${spec.name}`,
    summary: spec.summary,
    positionals: spec.argument ? { names: [spec.argument] } : undefined,
    options: { json: { type: 'boolean' } },
    help: `${spec.help}\n\nOptions:\n  --json  print JSON (for scripts)`,
    async run({ values, positionals: [argument] }, io) {
      const result = await withAdminContext((app) => spec.call(app.get(UserAdministration), argument));
      io.out(values.json ? JSON.stringify(spec.json ? spec.json(result) : result, null, 2) : spec.text(result));
      return 0;
    },
  });
}

const list = userCommand({
  name: 'list',
  summary: 'list every account',
  help: `Lists every account, oldest first: its id, email, when it was created, whether it is disabled,
how many live API keys it has ("(admin)" when one of them has the admin scope), how many projects
it belongs to and when one of its keys was last used.`,
  async call(users) {
    return (await users.list()).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  },
  text: (users) => (users.length === 0 ? 'no users yet: create one with `td-sync users create <email>`' : usersTable(users)),
});

const create = userCommand({
  name: 'create',
  summary: 'create an account (works while sign-ups are off)',
  argument: 'email',
  help: `Creates the account of <email>, as a first login would. With SYNC_ALLOW_SIGNUP=false this is how
a new person gets in: create the account here, then they run \`td auth login\` with that address
(or give them a key from \`td-sync keys create <email>\`, or add them to a project with
\`td-sync members add\`, which creates the account too).`,
  call: (users, email) => users.create(email),
  text: (user) => `created user ${user.email} (${user.id})`,
});

const disable = userCommand({
  name: 'disable',
  summary: 'refuse every key of an account, at once',
  argument: 'email-or-id',
  help: `Disables the account: from its next request on, every API key of it is refused with 401,
on every server node. Nothing is deleted; \`td-sync users enable\` undoes it.`,
  call: (users, who) => users.disable(who),
  json: ({ user }) => user,
  text: ({ user, changed }) => (changed ? `disabled ${user.email} (${user.id}): its keys are refused from now on` : `${user.email} was already disabled (since ${user.disabled_at})`),
});

const enable = userCommand({
  name: 'enable',
  summary: 'accept the keys of a disabled account again',
  argument: 'email-or-id',
  help: `Enables a disabled account: its keys that are neither revoked nor expired work again.`,
  call: (users, who) => users.enable(who),
  json: ({ user }) => user,
  text: ({ user, changed }) => (changed ? `enabled ${user.email} (${user.id})` : `${user.email} was not disabled`),
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
