import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ProjectRole } from '@td-sync/storage';
// For the type of `request.user`, where the Bearer guard leaves the caller.
import type {} from '@td-sync/http';
import type { FastifyRequest } from 'fastify';
import { ProjectAccess } from './project-access';

export const REQUIRED_ROLE = 'td-sync:required-role';

/**
 * Applies ProjectAccess to the routes of project `:id` that declare their
 * least role with @RequireRole(), after the Bearer guard and before the body
 * is validated, so a stranger learns nothing from a 400. For project and
 * member routes, and sync's snapshot, this is the check. Push, pull and
 * status have none (@RequireRoleInStorage): their storage call decides,
 * atomically with the work (see SyncService).
 */
@Injectable()
export class ProjectRoleGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: ProjectAccess,
  ) {}

  canActivate(context: ExecutionContext): Promise<boolean> {
    const required = this.reflector.getAllAndOverride<ProjectRole | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]);
    // Fail closed: a route guarded without a declared role is a programming error, not a public route.
    if (!required) throw new Error('ProjectRoleGuard is applied without @RequireRole(): declare the least role the route needs');
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return this.access.check((request.params as { id?: unknown } | undefined)?.id, request.user?.id, required).then(admitted);
  }
}

function admitted(): boolean {
  return true;
}
