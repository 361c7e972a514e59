import { CanActivate, ExecutionContext, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectRepository } from '@nestjs/typeorm';
import { isProjectId, Membership, Project, ProjectRole } from '@td-sync/storage';
import type { FastifyRequest } from 'fastify';
import { Repository } from 'typeorm';
import { roleAtLeast } from './project-role';

export const REQUIRED_ROLE = 'td-sync:required-role';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's membership in the project of `:id`, set by ProjectRoleGuard. */
    membership?: Membership;
  }
}

/**
 * The one place that enforces PROTOCOL.md's role table. Runs after the Bearer
 * guard: an unknown or soft-deleted project of `:id` is 404, a caller who is
 * not a member or holds too low a role is 403.
 */
@Injectable()
export class ProjectRoleGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @InjectRepository(Project) private readonly projects: Repository<Project>,
    @InjectRepository(Membership) private readonly memberships: Repository<Membership>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required = this.reflector.getAllAndOverride<ProjectRole>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const projectId = (request.params as { id?: string }).id;
    if (!isProjectId(projectId)) throw new NotFoundException('project not found');
    const project = await this.projects.findOneBy({ id: projectId });
    if (!project || project.deleted_at) throw new NotFoundException('project not found');
    const userId = request.user?.id;
    const membership = userId ? await this.memberships.findOneBy({ project_id: projectId, user_id: userId }) : null;
    if (!membership) throw new ForbiddenException('not a member of this project');
    if (!roleAtLeast(membership.role, required)) {
      throw new ForbiddenException(`requires ${required} role (you are ${membership.role})`);
    }
    request.membership = membership;
    return true;
  }
}
