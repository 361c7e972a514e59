import { DynamicModule, FactoryProvider, Global, Module, ModuleMetadata } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Database } from 'better-sqlite3';
import { ApiKey } from './entities/api-key.entity';
import { AuthRequest } from './entities/auth-request.entity';
import { Membership } from './entities/membership.entity';
import { Project } from './entities/project.entity';
import { User } from './entities/user.entity';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { ProjectDatabases } from './project-databases';
import { ServerDatabaseCheckpoint } from './server-database-checkpoint';
import { applyPragmas } from './sqlite-pragmas';
import { STORAGE_OPTIONS, StorageOptions } from './storage-options';

export const SERVER_ENTITIES = [User, ApiKey, AuthRequest, Project, Membership];

export interface StorageModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: (...args: never[]) => StorageOptions;
}

/**
 * The server database (TypeORM DataSource, migrations run at start) and the
 * per-project event databases. Global: every feature module reads and writes
 * through the repositories and the ProjectDatabases factory exported here.
 */
@Global()
@Module({})
export class StorageModule {
  static forRootAsync(options: StorageModuleAsyncOptions): DynamicModule {
    const optionsProvider = {
      provide: STORAGE_OPTIONS,
      inject: options.inject ?? [],
      useFactory: options.useFactory,
    };
    return {
      module: StorageModule,
      imports: [
        ...(options.imports ?? []),
        TypeOrmModule.forRootAsync({
          imports: [StorageOptionsModule.with(optionsProvider, options.imports)],
          inject: [STORAGE_OPTIONS],
          useFactory: (storage: StorageOptions) => ({
            type: 'better-sqlite3' as const,
            database: storage.serverDbPath,
            prepareDatabase: (db: Database) => applyPragmas(db),
            entities: SERVER_ENTITIES,
            migrations: [InitialSchema1764000000000],
            migrationsRun: true,
            synchronize: false,
            logging: false,
          }),
        }),
        TypeOrmModule.forFeature(SERVER_ENTITIES),
      ],
      providers: [optionsProvider, ProjectDatabases, ServerDatabaseCheckpoint],
      exports: [TypeOrmModule, ProjectDatabases],
    };
  }
}

/** Makes STORAGE_OPTIONS injectable inside TypeOrmModule's own async factory. */
@Module({})
class StorageOptionsModule {
  static with(provider: object, imports: ModuleMetadata['imports'] = []): DynamicModule {
    return {
      module: StorageOptionsModule,
      imports,
      providers: [provider as never],
      exports: [STORAGE_OPTIONS],
    };
  }
}
