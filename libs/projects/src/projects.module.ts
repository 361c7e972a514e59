import { Module } from '@nestjs/common';
import { AuthModule } from '@td-sync/auth';
import { StorageModule } from '@td-sync/storage';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';
import { ProjectAccess } from './project-access';
import { ProjectRoleGuard } from './project-role.guard';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';

/**
 * Projects and memberships, and ProjectAccess: the one decision on who may do
 * what in a project, applied by ProjectRoleGuard (@RequireRole()) and handed
 * to storage by the sync lib. AuthModule gives UsersService (adding a member
 * by email creates the account).
 */
@Module({
  imports: [StorageModule, AuthModule],
  controllers: [ProjectsController, MembersController],
  providers: [ProjectAccess, ProjectRoleGuard, ProjectsService, MembersService],
  exports: [ProjectAccess, ProjectRoleGuard],
})
export class ProjectsModule {}
