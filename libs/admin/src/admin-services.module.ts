import { Module } from '@nestjs/common';
import { AccountsModule } from '@td-sync/auth';
import { ClockModule } from '@td-sync/http';
import { StorageModule } from '@td-sync/storage';
import { GoImport } from './go-import/go-import.service';
import { KeyAdministration } from './key-administration';
import { MemberAdministration } from './member-administration';
import { ProjectAdministration } from './project-administration';
import { UserAdministration } from './user-administration';

const SERVICES = [UserAdministration, KeyAdministration, ProjectAdministration, MemberAdministration, GoImport];

/**
 * The operator's services, shared by the admin API and the `td-sync` command
 * line. Storage and accounts only: the command line runs it in a Nest
 * application context with nothing that serves HTTP.
 */
@Module({
  imports: [StorageModule, ClockModule, AccountsModule],
  providers: SERVICES,
  exports: SERVICES,
})
export class AdminServicesModule {}
