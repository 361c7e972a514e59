import type { Member, ProjectRole } from '@td-sync/storage';

/** A membership as PROTOCOL.md spells it, with the member's email so owners can tell who is who. */
export interface MemberView {
  project_id: string;
  user_id: string;
  email: string;
  role: ProjectRole;
  /**
   * Who added the member. A project's creator was added by nobody: the
   * reference server sends "" then, and td decodes the field into a Go string,
   * so it stays a string here too rather than becoming null.
   */
  invited_by: string;
  created_at: string;
}

export function toMemberView(member: Member): MemberView {
  return {
    project_id: member.project_id,
    user_id: member.user_id,
    email: member.email,
    role: member.role,
    invited_by: member.invited_by ?? '',
    created_at: member.created_at,
  };
}
