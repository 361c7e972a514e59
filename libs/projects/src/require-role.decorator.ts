import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import type { ProjectRole } from '@td-sync/storage';
import { ProjectRoleGuard, REQUIRED_ROLE } from './project-role.guard';

/** The least role a route of project `:id` needs; the guard answers 404/403 as PROTOCOL.md says. */
export const RequireRole = (role: ProjectRole): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(REQUIRED_ROLE, role), UseGuards(ProjectRoleGuard));
