import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ApiErrors } from '@td-sync/http';
import type { ProjectRole } from '@td-sync/storage';
import { ProjectRoleGuard, REQUIRED_ROLE } from './project-role.guard';

/**
 * The least role a route of project `:id` needs, for a route that answers
 * 404/403 itself: its storage call applies ProjectAccess.decision(role)
 * atomically with the work, and it reads its input through
 * ProjectAccess.parseFor (or, with no other input, ProjectAccess.projectIdOf).
 * There is no guard, so a valid request (a small push or a pull, above all)
 * reads the caller's role once, in storage; the API reference documents the
 * same errors as for @RequireRole.
 */
export const RequireRoleInStorage = (role: ProjectRole): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    ApiParam({ name: 'id', description: 'Project id (p_ + 16 hex).', example: 'p_0123456789abcdef' }),
    ApiErrors({ forbidden: role === 'reader' ? 'not a member of the project' : `not a member of the project, or a role below ${role}`, not_found: 'unknown or deleted project' }),
  );

/**
 * The least role a route of project `:id` needs; the guard answers 404/403 as
 * PROTOCOL.md says, and the API reference documents both with the role.
 */
export const RequireRole = (role: ProjectRole): MethodDecorator & ClassDecorator => applyDecorators(UseGuards(ProjectRoleGuard), RequireRoleInStorage(role));
