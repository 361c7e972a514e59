import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { UsersService } from '@td-sync/auth';
import { sqliteHandle } from '@td-sync/storage';
import type { ProjectRole } from '@td-sync/storage';
import type { Database } from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { lastOwnerRefusal } from './last-owner';
import { MemberView, MembershipRecord, toMemberView } from './member-view';

/** Whom to add: td sends the email; `user_id` wins when both are given, as on the reference server. */
export interface MemberTarget {
  email?: string;
  userId?: string;
}

const MEMBERSHIP_COLUMNS = 'project_id, user_id, role, invited_by, created_at';

/**
 * Memberships of a project. Every change runs in one synchronous transaction
 * on the server connection (see serverDatabaseHandle), so its checks (the
 * project is live, the user is not a member yet, another owner remains) hold
 * when the change is written, however many requests arrive at once.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersService,
  ) {}

  async add(projectId: string, target: MemberTarget, role: ProjectRole, invitedBy: string): Promise<MemberView> {
    const userId = await this.resolveUser(target);
    const db = this.db;
    const membership = db.transaction((): MembershipRecord => {
      assertLive(db, projectId);
      if (!db.prepare('SELECT 1 FROM users WHERE id = ?').get(userId)) throw new NotFoundException('user not found');
      const existing = findMembership(db, projectId, userId);
      if (existing) {
        throw new ConflictException(`user is already a member of this project (as ${existing.role}); change their role instead`);
      }
      const record: MembershipRecord = { project_id: projectId, user_id: userId, role, invited_by: invitedBy, created_at: new Date().toISOString() };
      db.prepare(
        `INSERT INTO memberships (${MEMBERSHIP_COLUMNS}) VALUES (@project_id, @user_id, @role, @invited_by, @created_at)`,
      ).run(record);
      return record;
    })();
    return toMemberView(membership);
  }

  /** Oldest first. */
  list(projectId: string): MemberView[] {
    const rows = this.db
      .prepare(`SELECT ${MEMBERSHIP_COLUMNS} FROM memberships WHERE project_id = ? ORDER BY created_at, rowid`)
      .all(projectId) as MembershipRecord[];
    return rows.map(toMemberView);
  }

  updateRole(projectId: string, userId: string, role: ProjectRole): void {
    const db = this.db;
    db.transaction(() => {
      const current = existingMember(db, projectId, userId);
      refuseLosingLastOwner(db, projectId, current.role, role);
      db.prepare('UPDATE memberships SET role = ? WHERE project_id = ? AND user_id = ?').run(role, projectId, userId);
    })();
  }

  remove(projectId: string, userId: string): void {
    const db = this.db;
    db.transaction(() => {
      const current = existingMember(db, projectId, userId);
      refuseLosingLastOwner(db, projectId, current.role, null);
      db.prepare('DELETE FROM memberships WHERE project_id = ? AND user_id = ?').run(projectId, userId);
    })();
  }

  private get db(): Database {
    return sqliteHandle(this.dataSource);
  }

  /**
   * The id of the user to add. An email without an account gets one, so an
   * owner can add a teammate before their first login; that login then finds
   * this account, since both go through UsersService.findOrCreate.
   */
  private async resolveUser(target: MemberTarget): Promise<string> {
    if (target.userId !== undefined) return target.userId;
    if (target.email !== undefined) return (await this.users.findOrCreate(target.email)).id;
    throw new BadRequestException('email or user_id is required');
  }
}

function assertLive(db: Database, projectId: string): void {
  if (!db.prepare('SELECT 1 FROM projects WHERE id = ? AND deleted_at IS NULL').get(projectId)) {
    throw new NotFoundException('project not found');
  }
}

function findMembership(db: Database, projectId: string, userId: string): MembershipRecord | undefined {
  return db
    .prepare(`SELECT ${MEMBERSHIP_COLUMNS} FROM memberships WHERE project_id = ? AND user_id = ?`)
    .get(projectId, userId) as MembershipRecord | undefined;
}

function existingMember(db: Database, projectId: string, userId: string): MembershipRecord {
  assertLive(db, projectId);
  const membership = findMembership(db, projectId, userId);
  if (!membership) throw new NotFoundException('member not found');
  return membership;
}

function refuseLosingLastOwner(db: Database, projectId: string, current: ProjectRole, next: ProjectRole | null): void {
  if (current !== 'owner') return;
  const owners = db.prepare(`SELECT count(*) FROM memberships WHERE project_id = ? AND role = 'owner'`).pluck().get(projectId) as number;
  const refusal = lastOwnerRefusal(current, next, owners);
  if (refusal) throw new BadRequestException(refusal);
}
