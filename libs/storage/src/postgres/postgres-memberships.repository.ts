import type { PoolClient } from 'pg';
import type { Member, Membership, ProjectRole } from '../records/membership';
import type { AccessDecision } from '../repositories/access-decision';
import { MemberAdded, MemberChanged, MembershipChangeRule, MembershipsRepository } from '../repositories/memberships.repository';
import { lockProjectCounter } from './project-counter-lock';
import type { PostgresDatabase } from './postgres-database';

const MEMBERSHIP_COLUMNS = 'project_id, user_id, role, invited_by, created_at';

/** Whether the project exists and is live, and the caller's role in it, as one row (none when the project does not exist). */
export const ACCESS_FACTS = `SELECT p.deleted_at IS NULL AS live, m.role
  FROM projects p LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = $2
  WHERE p.id = $1`;

export interface AccessFactsRow {
  live: boolean;
  role: ProjectRole | null;
}

/** Applies `decide` to the facts read (none: the project does not exist). */
export function applyDecision(rows: AccessFactsRow[], decide: AccessDecision): void {
  const row = rows[0];
  decide(row !== undefined && row.live, row?.role ?? null);
}

/**
 * Memberships. Every change runs in one transaction that first takes the
 * project's counter lock (lockProjectCounter): changes of one project are
 * applied one at a time on whichever nodes they arrive, so the last-owner
 * rule reads an owner count that stays true until its write commits, and a
 * push in progress finishes before its author's role changes.
 */
export class PostgresMembershipsRepository extends MembershipsRepository {
  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  async checkAccess(projectId: string, userId: string, decide: AccessDecision): Promise<void> {
    const { rows } = await this.db.query<AccessFactsRow>({ name: 'memberships_access', text: ACCESS_FACTS, values: [projectId, userId] });
    applyDecision(rows, decide);
  }

  async list(projectId: string): Promise<Member[]> {
    const { rows } = await this.db.query<Member>({
      name: 'memberships_list',
      text: `SELECT m.project_id, m.user_id, u.email, m.role, m.invited_by, m.created_at
             FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.project_id = $1 ORDER BY m.created_at, m.insertion_order`,
      values: [projectId],
    });
    return rows;
  }

  async listForUser(userId: string): Promise<Membership[]> {
    const { rows } = await this.db.query<Membership>({
      name: 'memberships_list_for_user',
      text: `SELECT ${MEMBERSHIP_COLUMNS} FROM memberships WHERE user_id = $1 ORDER BY created_at, insertion_order`,
      values: [userId],
    });
    return rows;
  }

  async add(projectId: string, userId: string, role: ProjectRole, invitedBy: string | null): Promise<MemberAdded> {
    return this.db.transaction(async (client) => {
      if (!(await lockProjectCounter(client, projectId)) || !(await isLive(client, projectId))) return { kind: 'project_not_found' };
      const user = await client.query({ name: 'memberships_user_exists', text: 'SELECT 1 FROM users WHERE id = $1', values: [userId] });
      if (user.rowCount === 0) return { kind: 'user_not_found' };
      const existing = await roleOf(client, projectId, userId);
      if (existing !== undefined) return { kind: 'already_member', role: existing };
      const membership: Membership = { project_id: projectId, user_id: userId, role, invited_by: invitedBy, created_at: new Date().toISOString() };
      await client.query({
        name: 'memberships_insert',
        text: `INSERT INTO memberships (${MEMBERSHIP_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`,
        values: [membership.project_id, membership.user_id, membership.role, membership.invited_by, membership.created_at],
      });
      return { kind: 'added', membership };
    });
  }

  async updateRole(projectId: string, userId: string, role: ProjectRole, rule: MembershipChangeRule): Promise<MemberChanged> {
    return this.change(projectId, userId, role, rule);
  }

  async remove(projectId: string, userId: string, rule: MembershipChangeRule): Promise<MemberChanged> {
    return this.change(projectId, userId, null, rule);
  }

  /** A new role, or removal (null), checked against `rule` with the facts of the change's own transaction. */
  private change(projectId: string, userId: string, role: ProjectRole | null, rule: MembershipChangeRule): Promise<MemberChanged> {
    return this.db.transaction(async (client): Promise<MemberChanged> => {
      if (!(await lockProjectCounter(client, projectId)) || !(await isLive(client, projectId))) return { kind: 'project_not_found' };
      const current = await roleOf(client, projectId, userId);
      if (current === undefined) return { kind: 'member_not_found' };
      const { rows } = await client.query<{ owners: number }>({
        name: 'memberships_owner_count',
        text: `SELECT count(*)::int AS owners FROM memberships WHERE project_id = $1 AND role = 'owner'`,
        values: [projectId],
      });
      const refusal = rule(current, rows[0].owners);
      if (refusal !== undefined) return { kind: 'refused', reason: refusal };
      if (role === null) {
        await client.query({ name: 'memberships_delete', text: 'DELETE FROM memberships WHERE project_id = $1 AND user_id = $2', values: [projectId, userId] });
      } else {
        await client.query({ name: 'memberships_update_role', text: 'UPDATE memberships SET role = $3 WHERE project_id = $1 AND user_id = $2', values: [projectId, userId, role] });
      }
      return { kind: 'changed' };
    });
  }
}

async function isLive(client: PoolClient, projectId: string): Promise<boolean> {
  const { rowCount } = await client.query({ name: 'memberships_project_live', text: 'SELECT 1 FROM projects WHERE id = $1 AND deleted_at IS NULL', values: [projectId] });
  return rowCount === 1;
}

async function roleOf(client: PoolClient, projectId: string, userId: string): Promise<ProjectRole | undefined> {
  const { rows } = await client.query<{ role: ProjectRole }>({
    name: 'memberships_role_of',
    text: 'SELECT role FROM memberships WHERE project_id = $1 AND user_id = $2',
    values: [projectId, userId],
  });
  return rows[0]?.role;
}
