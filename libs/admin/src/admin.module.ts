import { Module } from '@nestjs/common';
import { AdminServicesModule } from './admin-services.module';
import { AdminProjectsController } from './http/admin-projects.controller';
import { AdminScopeGuard } from './http/admin-scope.guard';
import { AdminUsersController } from './http/admin-users.controller';

/** The admin API under /v1/admin/ (keys with the `admin` scope only), over the services the command line uses too. */
@Module({
  imports: [AdminServicesModule],
  controllers: [AdminUsersController, AdminProjectsController],
  providers: [AdminScopeGuard],
})
export class AdminModule {}
