import { Module } from '@nestjs/common';
import { ClockModule } from '../clock.module';
import { FixedWindowStore } from './fixed-window-store';
import { RateLimiter } from './rate-limiter';

@Module({ imports: [ClockModule], providers: [FixedWindowStore], exports: [FixedWindowStore] })
class RateLimitStoreModule {}

/**
 * The rate limiter of PROTOCOL.md (Rate limits), with the limits the
 * configuration supplies as RATE_LIMITS, over one in-memory fixed-window
 * store. A store shared by several nodes is a different store here. The app
 * applies the limiter before a request's body is read (its admission stage).
 */
@Module({
  imports: [RateLimitStoreModule],
  providers: [RateLimiter],
  exports: [RateLimitStoreModule, RateLimiter],
})
export class RateLimitModule {}
