import { AdminKeyView, KeyAdministration } from '@td-sync/admin';
import { withAdminContext } from './admin-context';
import { CommandGroup } from './command-group';
import { defineCommand } from './define-command';
import { formatTable } from './table';

const JSON_HELP = '  --json         print JSON (for scripts)';

const list = defineCommand({
  name: 'list',
  commandLine: 'td-sync keys list',
  summary: "list API keys (everyone's, or one user's)",
  options: { user: { type: 'string' }, json: { type: 'boolean' } },
  help: `Lists API keys, oldest first, revoked and expired ones included: id, display prefix (the first
8 characters after td_live_), owner, name, scopes and dates. The keys themselves are never stored.

Options:
  --user <email>  only this user's keys (an email address or a user id)
${JSON_HELP}`,
  async run({ values }, io) {
    const keys = await withAdminContext((app) => app.get(KeyAdministration).list(values.user as string | undefined));
    if (values.json) io.out(JSON.stringify(keys, null, 2));
    else if (keys.length === 0) io.out('no keys');
    else io.out(keysTable(keys));
    return 0;
  },
});

const create = defineCommand({
  name: 'create',
  commandLine: 'td-sync keys create',
  summary: 'mint a key for a user (--admin for the admin API)',
  positionals: { names: ['email'] },
  options: { admin: { type: 'boolean' }, name: { type: 'string' }, json: { type: 'boolean' } },
  help: `Mints an API key for an existing user (create one first with \`td-sync users create\`) and prints
it once: it cannot be shown again. The key lasts a year. Its holder uses it as td does after a login:
"Authorization: Bearer <key>".

Options:
  --admin        also give the key the admin scope, which opens the admin API (/v1/admin/...);
                 no login ever grants it
  --name <name>  what the key is called in listings
${JSON_HELP}`,
  async run({ values, positionals: [email] }, io) {
    const { key, view } = await withAdminContext((app) =>
      app.get(KeyAdministration).create(email, { admin: values.admin === true, name: values.name as string | undefined }),
    );
    if (values.json) {
      io.out(JSON.stringify({ api_key: key, ...view }, null, 2));
    } else {
      io.err(`created key ${view.id} for ${view.email} (scopes ${view.scopes}, expires ${view.expires_at}); it is shown only this once:`);
      io.out(key);
    }
    return 0;
  },
});

const revoke = defineCommand({
  name: 'revoke',
  commandLine: 'td-sync keys revoke',
  summary: 'revoke a key by its id or display prefix',
  positionals: { names: ['key-id-or-prefix'] },
  options: { json: { type: 'boolean' } },
  help: `Revokes a key (a lost laptop's, say): from its next request on it gets 401, on every server node.
Name it by its id (k_...) or by its display prefix as \`td-sync keys list\` shows it (enough of the
prefix to match one key).

Options:
${JSON_HELP}`,
  async run({ values, positionals: [idOrPrefix] }, io) {
    const { key, changed } = await withAdminContext((app) => app.get(KeyAdministration).revoke(idOrPrefix));
    if (values.json) io.out(JSON.stringify(key, null, 2));
    else io.out(changed ? `revoked key ${key.id} (${key.key_prefix}…) of ${key.email}` : `key ${key.id} of ${key.email} was already revoked (${key.revoked_at})`);
    return 0;
  },
});

export const keysCommand = new CommandGroup(
  'keys',
  'list, create and revoke API keys',
  'API keys: what td sends as "Authorization: Bearer <key>". A login issues one per device; the operator can mint and revoke them here.',
  [list, create, revoke],
);

function keysTable(keys: AdminKeyView[]): string {
  return formatTable(keys, [
    { heading: 'id', value: (k) => k.id },
    { heading: 'prefix', value: (k) => k.key_prefix },
    { heading: 'user', value: (k) => k.email },
    { heading: 'name', value: (k) => k.name },
    { heading: 'scopes', value: (k) => k.scopes },
    { heading: 'status', value: (k) => k.status },
    { heading: 'created', value: (k) => k.created_at },
    { heading: 'last used', value: (k) => k.last_used_at },
    { heading: 'expires', value: (k) => k.expires_at },
  ]);
}
