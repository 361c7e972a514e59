import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LIBRARY_OPTION_TOKENS, LIBRARY_OPTIONS } from './library-options';
import { Env, SyncConfig } from './sync-config';

export interface LoadedConfig {
  /** The module that provides SyncConfig to the application. */
  module: DynamicModule;
  /** The same validated config, for what must be set before Nest starts (the Fastify adapter). */
  config: SyncConfig;
}

/**
 * Reads the environment through @nestjs/config and validates it into one
 * SyncConfig, and provides each library's options derived from it (see
 * LIBRARY_OPTIONS): the application's only global module. Validation runs
 * here, before the application is built, so a bad value stops the start
 * before anything is opened. `overrides` replace environment variables: the
 * end-to-end tests run several servers with different settings in one
 * process.
 */
@Global()
@Module({})
export class SyncConfigModule {
  static async load(overrides: Env = {}): Promise<LoadedConfig> {
    let config: SyncConfig | undefined;
    const configModule = await ConfigModule.forRoot({
      ignoreEnvFile: true,
      validate: (env: Env) => {
        config = SyncConfig.fromEnv({ ...env, ...overrides });
        return {};
      },
    });
    if (!config) throw new Error('configuration was not validated');
    return {
      config,
      module: {
        module: SyncConfigModule,
        imports: [configModule],
        providers: [{ provide: SyncConfig, useValue: config }, ...LIBRARY_OPTIONS],
        exports: [SyncConfig, ...LIBRARY_OPTION_TOKENS],
      },
    };
  }
}
