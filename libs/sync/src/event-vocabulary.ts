/**
 * The entity and action types a push may carry (PROTOCOL.md, Push). Anything
 * else refuses the whole request, so the log only ever holds these spellings.
 */
export const ENTITY_TYPES: ReadonlySet<string> = new Set([
  'issues',
  'logs',
  'handoffs',
  'comments',
  'sessions',
  'boards',
  'board_issue_positions',
  'work_sessions',
  'work_session_issues',
  'issue_files',
  'issue_dependencies',
  'git_snapshots',
  'issue_session_history',
  'issue_reviews',
  'notes',
]);

export const ACTION_TYPES: ReadonlySet<string> = new Set(['create', 'update', 'delete', 'soft_delete', 'restore']);
