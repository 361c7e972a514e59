import { CanActivate, ExecutionContext, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isProjectId, Membership, preparedStatement, ProjectRole } from '@td-sync/storage';
import type { Statement } from 'better-sqlite3';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { roleAtLeast } from './project-role';

export const REQUIRED_ROLE = 'td-sync:required-role';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's membership in the project of `:id`, set by ProjectRoleGuard. */
    membership?: Membership;
  }
}

/** The project of `:id` (if any) and the caller's membership in it (if any), in one query. */
const PROJECT_AND_MEMBERSHIP = `
  SELECT p.deleted_at AS deleted_at, m.role AS role, m.invited_by AS invited_by, m.created_at AS created_at
  FROM projects p
  LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = ?
  WHERE p.id = ?`;

interface ProjectAndMembershipRow {
  deleted_at: string | null;
  role: ProjectRole | null;
  invited_by: string | null;
  created_at: string | null;
}

/**
 * The one place that enforces PROTOCOL.md's role table; routes declare their
 * least role with @RequireRole() and nothing else checks roles. Runs after the
 * Bearer guard: an unknown, malformed or soft-deleted project of `:id` is 404
 * (for members and strangers alike, so a deleted project is gone for
 * everyone), a caller who is not a member or holds too low a role is 403 with
 * a message naming the role needed.
 *
 * It depends only on providers every module can resolve (Reflector and the
 * global DataSource), so any feature module can put @RequireRole() on its
 * routes without wiring anything. Every sync request passes through here, so
 * it reads with one prepared statement on the server connection.
 */
@Injectable()
export class ProjectRoleGuard implements CanActivate {
  private readonly lookup: () => Statement<[string | null, string], ProjectAndMembershipRow>;

  constructor(
    private readonly reflector: Reflector,
    dataSource: DataSource,
  ) {
    this.lookup = preparedStatement(dataSource, PROJECT_AND_MEMBERSHIP);
  }

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<ProjectRole | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]);
    // Fail closed: a route guarded without a declared role is a programming error, not a public route.
    if (!required) throw new Error('ProjectRoleGuard is applied without @RequireRole(): declare the least role the route needs');
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const projectId = (request.params as { id?: string } | undefined)?.id;
    if (!isProjectId(projectId)) throw new NotFoundException('project not found');
    const userId = request.user?.id ?? null;

    const row = this.lookup().get(userId, projectId);
    if (!row || row.deleted_at !== null) throw new NotFoundException('project not found');
    if (userId === null || row.role === null) {
      throw new ForbiddenException(`requires ${required} role: you are not a member of this project`);
    }
    if (!roleAtLeast(row.role, required)) {
      throw new ForbiddenException(`requires ${required} role (you are ${row.role})`);
    }
    request.membership = Object.assign(new Membership(), {
      project_id: projectId,
      user_id: userId,
      role: row.role,
      invited_by: row.invited_by,
      created_at: row.created_at ?? '',
    });
    return true;
  }
}
