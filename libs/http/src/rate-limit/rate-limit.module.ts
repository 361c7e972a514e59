import { DynamicModule, InjectionToken, Module, ModuleMetadata } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ClockModule } from '../clock.module';
import { FixedWindowStore } from './fixed-window-store';
import { RATE_LIMITS, RateLimits } from './rate-limit-options';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitMetricsModule } from './rate-limit-metrics.module';
import { RATE_LIMIT_COUNTERS } from './window-counters';

const ONE_MINUTE_MS = 60_000;

/** Where the counters come from: a module to import and the token of a WindowCounters it exports. */
export interface RateLimitCountersSource {
  imports: NonNullable<ModuleMetadata['imports']>;
  useExisting: InjectionToken;
}

@Module({})
class RateLimitStoreModule {}

/**
 * The five named throttlers of PROTOCOL.md (Rate limits), with the limits the
 * configuration supplies as RATE_LIMITS, over a fixed-window store counting
 * in the WindowCounters the app names (storage's: one process's memory with
 * SQLite, a table every node shares with PostgreSQL). The app registers
 * RateLimitGuard as a global guard after the Bearer guard.
 */
@Module({})
export class RateLimitModule {
  static forRoot(counters: RateLimitCountersSource): DynamicModule {
    const store: DynamicModule = {
      module: RateLimitStoreModule,
      imports: [ClockModule, ...counters.imports],
      providers: [{ provide: RATE_LIMIT_COUNTERS, useExisting: counters.useExisting }, FixedWindowStore],
      exports: [FixedWindowStore],
    };
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRootAsync({
          imports: [store],
          inject: [RATE_LIMITS, FixedWindowStore],
          useFactory: (limits: RateLimits, windows: FixedWindowStore) => ({
            storage: windows,
            throttlers: Object.entries(limits).map(([name, limit]) => ({ name, limit, ttl: ONE_MINUTE_MS })),
          }),
        }),
        store,
        RateLimitMetricsModule,
      ],
      providers: [RateLimitGuard],
      exports: [ThrottlerModule, store, RateLimitGuard, RateLimitMetricsModule],
    };
  }
}
