/** owner > writer > reader (PROTOCOL.md, Members). */
export type ProjectRole = 'owner' | 'writer' | 'reader';

/** A row of `memberships`: a user's role in a project. */
export interface Membership {
  project_id: string;
  user_id: string;
  role: ProjectRole;
  invited_by: string | null;
  created_at: string;
}

/** A membership with the member's email, as member lists show it. */
export interface Member extends Membership {
  email: string;
}
