export { ProjectsModule } from './projects.module';
export { ProjectAccess } from './project-access';
export { ProjectRoleGuard } from './project-role.guard';
export { RequireRole, RequireRoleInStorage } from './require-role.decorator';
export { roleAtLeast, PROJECT_ROLES } from './project-role';
