import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AdminModule } from '@td-sync/admin';
import { AuthModule } from '@td-sync/auth';
import { AdmissionGuard, InflightBodyBudgetModule, RateLimitModule } from '@td-sync/http';
import { ProjectsModule } from '@td-sync/projects';
import { RateLimitCounters, StorageModule } from '@td-sync/storage';
import { SyncModule } from '@td-sync/sync';
import { LoggerModule } from 'nestjs-pino';
import { SyncConfig } from './config/sync-config';
import { HealthModule } from './health/health.module';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { loggerParams } from './logging';
import { OpenApiModule } from './openapi/openapi.module';

/**
 * Wires the libraries together. The configuration module (see
 * SyncConfigModule.load) is the one global module: it also provides each
 * library's options; every other module imports what it uses.
 */
@Module({})
export class AppModule {
  static forRoot(configModule: DynamicModule): DynamicModule {
    return {
      module: AppModule,
      imports: [
        configModule,
        LoggerModule.forRootAsync({ inject: [SyncConfig], useFactory: loggerParams }),
        AuthModule,
        ProjectsModule,
        SyncModule,
        AdminModule,
        HealthModule,
        // Counted where storage keeps them: memory with SQLite, shared by every node with PostgreSQL.
        RateLimitModule.forRoot({ imports: [StorageModule], useExisting: RateLimitCounters }),
        // The admission stage holds each request body's bytes in it (see create-app.ts).
        InflightBodyBudgetModule,
        OpenApiModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        // The key check and the rate limit ran before the body was read (see
        // http/request-admission.ts); this first guard answers their refusal.
        { provide: APP_GUARD, useClass: AdmissionGuard },
      ],
    };
  }
}
