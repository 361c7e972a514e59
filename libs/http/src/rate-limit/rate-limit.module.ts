import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ClockModule } from '../clock.module';
import { FixedWindowStore } from './fixed-window-store';
import { RATE_LIMITS, RateLimits } from './rate-limit-options';
import { RateLimitGuard } from './rate-limit.guard';

const ONE_MINUTE_MS = 60_000;

@Module({ imports: [ClockModule], providers: [FixedWindowStore], exports: [FixedWindowStore] })
class RateLimitStoreModule {}

/**
 * The five named throttlers of PROTOCOL.md (Rate limits), with the limits the
 * configuration supplies as RATE_LIMITS, over one in-memory fixed-window
 * store. A store shared by several nodes is a different ThrottlerStorage here.
 * The app registers RateLimitGuard as a global guard after the Bearer guard.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStoreModule],
      inject: [RATE_LIMITS, FixedWindowStore],
      useFactory: (limits: RateLimits, store: FixedWindowStore) => ({
        storage: store,
        throttlers: Object.entries(limits).map(([name, limit]) => ({ name, limit, ttl: ONE_MINUTE_MS })),
      }),
    }),
    RateLimitStoreModule,
  ],
  providers: [RateLimitGuard],
  exports: [ThrottlerModule, RateLimitStoreModule, RateLimitGuard],
})
export class RateLimitModule {}
