import { Module } from '@nestjs/common';

/** Projects and memberships, the role guard and @RequireRole(). */
@Module({})
export class ProjectsModule {}
