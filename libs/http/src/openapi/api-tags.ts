/**
 * The sections of the API reference, in the order it lists them, each with
 * what a reader finds there. Controllers name theirs with
 * `@ApiTags(API_TAGS.x.name)`; the document declares them all.
 */
export const API_TAGS = {
  emailLogin: {
    name: 'email login',
    description:
      'The login current td releases use: the client sends a PKCE challenge, the person approves the emailed link, the client polls with its verifier and receives an API key.',
  },
  codeLogin: {
    name: 'typed-code login',
    description:
      'The login of older td releases: the client shows a code, the person types it on /auth/verify, the client polls for its API key. SYNC_CODE_LOGIN decides whether the code alone completes it (direct), an emailed link must confirm it (confirm, the default), or it is off (410).',
  },
  projects: { name: 'projects', description: 'Projects the caller is a member of. Roles: owner > writer > reader.' },
  members: { name: 'members', description: "A project's members and their roles. A project never loses its last owner." },
  selfService: { name: 'self-service', description: 'The caller and the key they call with: who am I, and logging a device out (revoking its key).' },
  sync: {
    name: 'sync',
    description:
      "Replication: push events, pull them back in server_seq order, and the log's status. Payloads are stored and returned exactly as sent.",
  },
  admin: {
    name: 'admin',
    description:
      "For keys with the admin scope (minted only by `td-sync keys create --admin`; any other key gets 403): every user, key and project of the server. Paths and field names follow the upstream Go server's admin API.",
  },
  health: { name: 'health', description: 'Probes and counters for operators. Public and never rate limited.' },
  docs: { name: 'docs', description: 'This reference: the OpenAPI document and a browsable view of it. Public and never rate limited.' },
} as const satisfies Record<string, { name: string; description: string }>;
