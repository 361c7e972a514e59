import type { Membership, ProjectRole } from '@td-sync/storage';

/** A membership as PROTOCOL.md spells it. */
export interface MemberView {
  project_id: string;
  user_id: string;
  role: ProjectRole;
  /**
   * Who added the member. A project's creator was added by nobody: the
   * reference server sends "" then, and td decodes the field into a Go string,
   * so it stays a string here too rather than becoming null.
   */
  invited_by: string;
  created_at: string;
}

export function toMemberView(membership: Membership): MemberView {
  return {
    project_id: membership.project_id,
    user_id: membership.user_id,
    role: membership.role,
    invited_by: membership.invited_by ?? '',
    created_at: membership.created_at,
  };
}
