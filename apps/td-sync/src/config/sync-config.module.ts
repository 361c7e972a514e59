import { DynamicModule, Global, Module } from '@nestjs/common';
import { LIBRARY_OPTION_TOKENS, LIBRARY_OPTIONS } from './library-options';
import { Env, SyncConfig } from './sync-config';

export interface LoadedConfig {
  /** The module that provides SyncConfig to the application. */
  module: DynamicModule;
  /** The same validated config, for what must be set before Nest starts (the Fastify adapter). */
  config: SyncConfig;
}

/**
 * Reads the environment and validates it into one SyncConfig, and provides
 * each library's options derived from it (see LIBRARY_OPTIONS): the
 * application's only global module. Validation runs here, before the
 * application is built, so a bad value stops the start before anything is
 * opened. `overrides` replace environment variables: the end-to-end tests run
 * several servers with different settings in one process.
 *
 * Not @nestjs/config's ConfigModule: nothing injects its ConfigService (every
 * setting is read once, here, into SyncConfig), there is no .env file to load
 * (td-sync is configured through its environment alone), and it kept 88
 * modules loaded for the process's life (with dotenv and lodash's
 * one-function modules) to hand this function process.env
 * (docs/performance.md, Memory).
 */
@Global()
@Module({})
export class SyncConfigModule {
  static load(overrides: Env = {}): LoadedConfig {
    const config = SyncConfig.fromEnv({ ...process.env, ...overrides });
    return {
      config,
      module: {
        module: SyncConfigModule,
        providers: [{ provide: SyncConfig, useValue: config }, ...LIBRARY_OPTIONS],
        exports: [SyncConfig, ...LIBRARY_OPTION_TOKENS],
      },
    };
  }
}
