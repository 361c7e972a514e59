import type { ApiKeyListing, Membership, Project, ProjectRole, ProjectSummary, User, UserSummary } from '@td-sync/storage';

/**
 * What the admin API answers and `td-sync ... --json` prints. Field names are
 * the reference server's where its admin API has the same thing (`id`,
 * `email`, `is_admin`, `project_count`, `last_activity`, `key_prefix`,
 * `member_count`, ...); what only td-sync has is added beside them.
 */
export interface AdminUserView {
  id: string;
  email: string;
  /** Holds a live key with the `admin` scope. */
  is_admin: boolean;
  created_at: string;
  disabled_at: string | null;
  project_count: number;
  active_key_count: number;
  /** The latest use of any of the user's keys. */
  last_activity: string | null;
}

export interface AdminUserDetail extends AdminUserView {
  /** The live projects the user belongs to. */
  projects: Array<{ project_id: string; name: string; role: ProjectRole }>;
}

export type KeyStatus = 'active' | 'revoked' | 'expired';

export interface AdminKeyView {
  id: string;
  user_id: string;
  email: string;
  key_prefix: string;
  name: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string;
  revoked_at: string | null;
  status: KeyStatus;
}

export interface AdminProjectView {
  id: string;
  name: string;
  description: string;
  member_count: number;
  created_at: string;
  updated_at: string;
  /** Only when the project is soft-deleted. */
  deleted_at?: string;
}

export interface AdminMemberView {
  user_id: string;
  email: string;
  role: ProjectRole;
  /** "" when nobody did (the creator, or a member the operator added), as in the members API. */
  invited_by: string;
  created_at: string;
}

export interface AdminSyncStatus {
  event_count: number;
  last_server_seq: number;
  /** Omitted while the log is empty, as in the sync status API. */
  last_event_time?: string;
}

export interface AdminProjectDetail extends AdminProjectView {
  event_count: number;
  last_server_seq: number;
  /** Server time of the newest event (the reference server's name for it). */
  last_event_at: string | null;
  /** Bytes of the project's event log in storage. */
  size_bytes: number;
  /** True when the project's event log is missing from storage (its events are lost). */
  event_log_missing?: boolean;
  members: AdminMemberView[];
}

export function toUserView(user: UserSummary, adminScope: string): AdminUserView {
  return {
    id: user.id,
    email: user.email,
    is_admin: user.active_key_scopes.split(',').some((scope) => scope.trim() === adminScope),
    created_at: user.created_at,
    disabled_at: user.disabled_at,
    project_count: user.project_count,
    active_key_count: user.active_key_count,
    last_activity: user.last_used_at,
  };
}

export function toKeyView(key: ApiKeyListing, now: string): AdminKeyView {
  return {
    id: key.id,
    user_id: key.user_id,
    email: key.email,
    key_prefix: key.key_prefix,
    name: key.name,
    scopes: key.scopes,
    created_at: key.created_at,
    last_used_at: key.last_used_at,
    expires_at: key.expires_at,
    revoked_at: key.revoked_at,
    status: key.revoked_at ? 'revoked' : key.expires_at <= now ? 'expired' : 'active',
  };
}

export function toProjectView(project: Project | ProjectSummary, memberCount: number): AdminProjectView {
  const view: AdminProjectView = {
    id: project.id,
    name: project.name,
    description: project.description,
    member_count: memberCount,
    created_at: project.created_at,
    updated_at: project.updated_at,
  };
  if (project.deleted_at) view.deleted_at = project.deleted_at;
  return view;
}

export function toMemberView(membership: Membership, user: User | null): AdminMemberView {
  return {
    user_id: membership.user_id,
    email: user?.email ?? '',
    role: membership.role,
    invited_by: membership.invited_by ?? '',
    created_at: membership.created_at,
  };
}
