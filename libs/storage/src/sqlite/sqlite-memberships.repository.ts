import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { Member, Membership, ProjectRole } from '../records/membership';
import type { AccessDecision } from '../repositories/access-decision';
import { MemberAdded, MemberChanged, MembershipChangeRule, MembershipsRepository } from '../repositories/memberships.repository';

const MEMBERSHIP_COLUMNS = 'project_id, user_id, role, invited_by, created_at';

/**
 * Memberships in the server database. Every change is one synchronous
 * transaction on the server connection (see SqliteServerDatabase).
 */
export class SqliteMembershipsRepository extends MembershipsRepository {
  /** The project of the id (if any) and the caller's role in it (if any), in one indexed query. */
  private readonly access: Statement<[string, string], [string | null, ProjectRole | null]>;
  private readonly byProject: Statement<[string], Member>;
  private readonly byUser: Statement<[string], Membership>;
  private readonly addMember: Transaction<(membership: Membership) => MemberAdded>;
  private readonly changeRole: Transaction<(projectId: string, userId: string, role: ProjectRole | null, rule: MembershipChangeRule) => MemberChanged>;

  constructor(db: Database) {
    super();
    this.access = db
      .prepare(`SELECT p.deleted_at, m.role FROM projects p LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = ? WHERE p.id = ?`)
      .raw() as unknown as Statement<[string, string], [string | null, ProjectRole | null]>;
    this.byProject = db.prepare(
      `SELECT m.project_id, m.user_id, u.email, m.role, m.invited_by, m.created_at
       FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.project_id = ? ORDER BY m.created_at, m.rowid`,
    );
    this.byUser = db.prepare(`SELECT ${MEMBERSHIP_COLUMNS} FROM memberships WHERE user_id = ? ORDER BY created_at, rowid`);

    const live = db.prepare('SELECT 1 FROM projects WHERE id = ? AND deleted_at IS NULL');
    const userExists = db.prepare('SELECT 1 FROM users WHERE id = ?');
    const roleOf = db.prepare('SELECT role FROM memberships WHERE project_id = ? AND user_id = ?').pluck() as Statement<[string, string], ProjectRole>;
    const owners = db.prepare(`SELECT count(*) FROM memberships WHERE project_id = ? AND role = 'owner'`).pluck() as Statement<[string], number>;
    const insert = db.prepare(`INSERT INTO memberships (${MEMBERSHIP_COLUMNS}) VALUES (@project_id, @user_id, @role, @invited_by, @created_at)`);
    const update = db.prepare('UPDATE memberships SET role = ? WHERE project_id = ? AND user_id = ?');
    const remove = db.prepare('DELETE FROM memberships WHERE project_id = ? AND user_id = ?');

    this.addMember = db.transaction((membership: Membership): MemberAdded => {
      if (!live.get(membership.project_id)) return { kind: 'project_not_found' };
      if (!userExists.get(membership.user_id)) return { kind: 'user_not_found' };
      const existing = roleOf.get(membership.project_id, membership.user_id);
      if (existing !== undefined) return { kind: 'already_member', role: existing };
      insert.run(membership);
      return { kind: 'added', membership };
    });

    this.changeRole = db.transaction((projectId: string, userId: string, role: ProjectRole | null, rule: MembershipChangeRule): MemberChanged => {
      if (!live.get(projectId)) return { kind: 'project_not_found' };
      const current = roleOf.get(projectId, userId);
      if (current === undefined) return { kind: 'member_not_found' };
      const refusal = rule(current, owners.get(projectId) ?? 0);
      if (refusal !== undefined) return { kind: 'refused', reason: refusal };
      if (role === null) remove.run(projectId, userId);
      else update.run(role, projectId, userId);
      return { kind: 'changed' };
    });
  }

  /**
   * Reads the access facts and applies `decide` synchronously, for callers of
   * this backend that must act in the same step (SqliteEventStore).
   */
  admitNow(projectId: string, userId: string, decide: AccessDecision): void {
    const row = this.access.get(userId, projectId);
    decide(row !== undefined && row[0] === null, row === undefined ? null : row[1]);
  }

  async checkAccess(projectId: string, userId: string, decide: AccessDecision): Promise<void> {
    this.admitNow(projectId, userId, decide);
  }

  async list(projectId: string): Promise<Member[]> {
    return this.byProject.all(projectId);
  }

  async listForUser(userId: string): Promise<Membership[]> {
    return this.byUser.all(userId);
  }

  async add(projectId: string, userId: string, role: ProjectRole, invitedBy: string | null): Promise<MemberAdded> {
    return this.addMember({ project_id: projectId, user_id: userId, role, invited_by: invitedBy, created_at: new Date().toISOString() });
  }

  async updateRole(projectId: string, userId: string, role: ProjectRole, rule: MembershipChangeRule): Promise<MemberChanged> {
    return this.changeRole(projectId, userId, role, rule);
  }

  async remove(projectId: string, userId: string, rule: MembershipChangeRule): Promise<MemberChanged> {
    return this.changeRole(projectId, userId, null, rule);
  }
}
