/**
 * What the operator does: the admin API (AdminModule, for keys with the
 * `admin` scope) and the services the `td-sync` command line shares with it
 * (AdminServicesModule: storage and accounts only, no HTTP).
 */
export { AdminModule } from './admin.module';
export { AdminServicesModule } from './admin-services.module';
export { UserAdministration } from './user-administration';
export { KeyAdministration } from './key-administration';
export type { CreatedKey, NewKeyOptions } from './key-administration';
export { ProjectAdministration } from './project-administration';
export type { PurgedProject } from './project-administration';
export { MemberAdministration } from './member-administration';
export { GoImport } from './go-import/go-import.service';
export type { GoImportOptions } from './go-import/go-import.service';
export type { GoImportReport, ProjectImport } from './go-import/go-import-report';
export type { AdminKeyView, AdminMemberView, AdminProjectDetail, AdminProjectView, AdminSyncStatus, AdminUserDetail, AdminUserView, KeyStatus } from './admin-views';
