import { applyDecorators, CanActivate, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ProjectRoleGuard, RequireRole } from '@td-sync/projects';
import type { ProjectRole } from '@td-sync/storage';
import { ProjectDatabases } from '@td-sync/storage';
import type { FastifyRequest } from 'fastify';

/**
 * Runs after ProjectRoleGuard on the sync routes and makes sure the project's
 * event database is open before the handler runs.
 *
 * Opening a database waits for I/O, and other requests run meanwhile: a push
 * whose role was checked before the open could otherwise be appended after
 * its author was removed from the project, or the project deleted, and those
 * answered. So when the open had to wait, the role is checked again; from that
 * check to the handler's append nothing else can run (the handler gets the
 * now-open handle without waiting for I/O, and the append is synchronous), so
 * a push lands either before a removal or not at all. A database that is
 * already open costs nothing extra. A database that cannot be opened is left
 * for the handler to report as the failure it is.
 */
@Injectable()
export class OpenProjectDatabaseGuard implements CanActivate {
  constructor(
    private readonly databases: ProjectDatabases,
    private readonly roles: ProjectRoleGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const projectId = (context.switchToHttp().getRequest<FastifyRequest>().params as { id: string }).id;
    if (this.databases.isOpen(projectId)) return true;
    try {
      await this.databases.get(projectId);
    } catch {
      return true;
    }
    return this.roles.canActivate(context);
  }
}

/** @RequireRole(role) for a route that works on the project's event database (see OpenProjectDatabaseGuard). */
export const RequireRoleOnEvents = (role: ProjectRole): MethodDecorator =>
  applyDecorators(RequireRole(role), UseGuards(OpenProjectDatabaseGuard));
