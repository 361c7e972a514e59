import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from '@td-sync/auth';
import { ProjectsModule } from '@td-sync/projects';
import { StorageModule } from '@td-sync/storage';
import { SyncModule } from '@td-sync/sync';
import { LoggerModule } from 'nestjs-pino';
import { SyncConfig } from './config/sync-config';
import { HealthModule } from './health/health.module';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { loggerParams } from './logging';

/** Wires the libraries together with the validated configuration (see SyncConfigModule.load). */
@Module({})
export class AppModule {
  static forRoot(configModule: DynamicModule): DynamicModule {
    return {
      module: AppModule,
      imports: [
        configModule,
        LoggerModule.forRootAsync({ inject: [SyncConfig], useFactory: loggerParams }),
        StorageModule.forRootAsync({
          inject: [SyncConfig],
          useFactory: (config: SyncConfig) => ({
            serverDbPath: config.serverDbPath,
            projectDataDir: config.projectDataDir,
            maxOpenProjects: config.maxOpenProjects,
          }),
        }),
        ScheduleModule.forRoot(),
        AuthModule.forRootAsync({
          inject: [SyncConfig],
          useFactory: (config: SyncConfig) => ({
            allowSignup: config.allowSignup,
            baseUrl: config.baseUrl,
            email: { provider: config.emailProvider, smtpUrl: config.smtpUrl, from: config.emailFrom },
          }),
        }),
        ProjectsModule,
        SyncModule,
        HealthModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
    };
  }
}
