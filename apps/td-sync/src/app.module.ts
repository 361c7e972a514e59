import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule, BearerGuard } from '@td-sync/auth';
import { ProjectsModule } from '@td-sync/projects';
import { StorageModule } from '@td-sync/storage';
import { SyncModule } from '@td-sync/sync';
import { LoggerModule } from 'nestjs-pino';
import { SyncConfig } from './config/sync-config';
import { HealthModule } from './health/health.module';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { RateLimitGuard } from './http/rate-limit.guard';
import { RateLimitModule } from './http/rate-limit.module';
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
            codeLogin: config.codeLogin,
          }),
        }),
        ProjectsModule,
        SyncModule,
        HealthModule,
        RateLimitModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        // Global guards run in the order listed: authenticate first, so the
        // rate limiter can key authenticated routes by the caller's API key id.
        { provide: APP_GUARD, useClass: BearerGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
    };
  }
}
