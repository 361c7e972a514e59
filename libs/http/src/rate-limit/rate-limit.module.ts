import { DynamicModule, InjectionToken, Module, ModuleMetadata } from '@nestjs/common';
import { ClockModule } from '../clock.module';
import { FixedWindowStore } from './fixed-window-store';
import { RateLimitMetricsModule } from './rate-limit-metrics.module';
import { RateLimiter } from './rate-limiter';
import { RATE_LIMIT_COUNTERS } from './window-counters';

/** Where the counters come from: a module to import and the token of a WindowCounters it exports. */
export interface RateLimitCountersSource {
  imports: NonNullable<ModuleMetadata['imports']>;
  useExisting: InjectionToken;
}

@Module({})
class RateLimitStoreModule {}

/**
 * The rate limiter of PROTOCOL.md (Rate limits), with the limits the
 * configuration supplies as RATE_LIMITS, over a fixed-window store counting
 * in the WindowCounters the app names (storage's: one process's memory with
 * SQLite, a table every node shares with PostgreSQL). The app applies the
 * limiter before a request's body is read (its admission stage).
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
      imports: [store, RateLimitMetricsModule],
      providers: [RateLimiter],
      exports: [store, RateLimiter, RateLimitMetricsModule],
    };
  }
}
