import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { SyncConfig } from '../config/sync-config';
import { FixedWindowStore } from './fixed-window-store';

const ONE_MINUTE_MS = 60_000;

@Module({ providers: [FixedWindowStore], exports: [FixedWindowStore] })
class RateLimitStoreModule {}

/**
 * The five named throttlers of PROTOCOL.md (Rate limits), with the limits of
 * SYNC_RATE_LIMIT_*, over one shared in-memory fixed-window store.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStoreModule],
      inject: [SyncConfig, FixedWindowStore],
      useFactory: (config: SyncConfig, store: FixedWindowStore) => ({
        storage: store,
        throttlers: Object.entries(config.rateLimits).map(([name, limit]) => ({ name, limit, ttl: ONE_MINUTE_MS })),
      }),
    }),
    RateLimitStoreModule,
  ],
  exports: [ThrottlerModule, RateLimitStoreModule],
})
export class RateLimitModule {}
