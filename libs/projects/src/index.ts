export { ProjectsModule } from './projects.module';
export { ProjectRoleGuard } from './project-role.guard';
export { RequireRole } from './require-role.decorator';
export { roleAtLeast, PROJECT_ROLES } from './project-role';
