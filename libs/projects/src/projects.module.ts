import { Module } from '@nestjs/common';
import { ProjectRoleGuard } from './project-role.guard';

/** Projects and memberships, the role guard and @RequireRole(). */
@Module({
  providers: [ProjectRoleGuard],
  exports: [ProjectRoleGuard],
})
export class ProjectsModule {}
