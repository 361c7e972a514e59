import { DynamicModule, Module } from '@nestjs/common';
import { AdminServicesModule } from '@td-sync/admin';

/**
 * What the operator's commands run in: the configuration (the same SYNC_*
 * settings, hence the same database, as the server) and the admin services
 * over storage. No HTTP, no login, no scheduled jobs.
 */
@Module({})
export class CliModule {
  static forRoot(configModule: DynamicModule): DynamicModule {
    return { module: CliModule, imports: [configModule, AdminServicesModule] };
  }
}
