import { DynamicModule, Module } from '@nestjs/common';
import { STORAGE_OPTIONS, StorageOptions } from './storage-options';

/**
 * Supplies StorageOptions where no app configuration does (unit specs,
 * command-line tools): import it beside StorageModule. Global, as all
 * configuration is.
 */
@Module({})
export class StorageOptionsModule {
  static forRoot(options: StorageOptions): DynamicModule {
    return {
      module: StorageOptionsModule,
      global: true,
      providers: [{ provide: STORAGE_OPTIONS, useValue: options }],
      exports: [STORAGE_OPTIONS],
    };
  }
}
