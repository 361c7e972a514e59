import type { Member, Membership, ProjectRole } from '../records/membership';
import type { AccessDecision } from './access-decision';

export type MemberAdded =
  | { kind: 'added'; membership: Membership }
  | { kind: 'project_not_found' }
  | { kind: 'user_not_found' }
  | { kind: 'already_member'; role: ProjectRole };

export type MemberChanged = { kind: 'changed' } | { kind: 'project_not_found' } | { kind: 'member_not_found' } | { kind: 'refused'; reason: string };

/**
 * The rule a role change or removal must pass, given the facts read in the
 * change's own transaction: the member's role now and how many owners the
 * project has (that member included). Returns why the change is refused, or
 * undefined to let it go ahead. The projects lib owns the rule (the last
 * owner stays); storage applies it atomically with the write.
 */
export type MembershipChangeRule = (current: ProjectRole, ownerCount: number) => string | undefined;

/**
 * Who holds which role in which project. Every change reads, decides and
 * writes as one atomic step, whatever the backend, so its checks (the project
 * is live, the user is not a member yet, another owner remains) hold when the
 * change is written, however many requests arrive at once.
 */
export abstract class MembershipsRepository {
  /** Reads whether the project is live and `userId`'s role in it, and hands both to `decide` (which throws to refuse). */
  abstract checkAccess(projectId: string, userId: string, decide: AccessDecision): Promise<void>;

  /** The project's members with their emails, oldest first. */
  abstract list(projectId: string): Promise<Member[]>;

  /** The user's memberships in every project, live or deleted, oldest first. */
  abstract listForUser(userId: string): Promise<Membership[]>;

  /** Adds `userId` with `role` to a live project; stamps `created_at`. `invitedBy` is null when the operator added them. */
  abstract add(projectId: string, userId: string, role: ProjectRole, invitedBy: string | null): Promise<MemberAdded>;

  abstract updateRole(projectId: string, userId: string, role: ProjectRole, rule: MembershipChangeRule): Promise<MemberChanged>;

  abstract remove(projectId: string, userId: string, rule: MembershipChangeRule): Promise<MemberChanged>;
}
