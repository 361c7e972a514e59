import { Module } from '@nestjs/common';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';
import { ProjectRoleGuard } from './project-role.guard';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';

/**
 * Projects and memberships, the role guard and @RequireRole(). UsersService
 * (adding a member by email creates the account) comes from the global
 * AuthModule, the repositories and ProjectDatabases from the global
 * StorageModule.
 */
@Module({
  controllers: [ProjectsController, MembersController],
  providers: [ProjectRoleGuard, ProjectsService, MembersService],
  exports: [ProjectRoleGuard],
})
export class ProjectsModule {}
