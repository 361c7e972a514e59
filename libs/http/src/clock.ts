import { Injectable } from '@nestjs/common';

/**
 * The current time for every decision made by time: 15-minute logins,
 * one-year keys, the one-email-a-minute limit, the cleanup job and the rate
 * limiter's windows. Injected
 * rather than read from `new Date()` so tests can move time forward instead of
 * waiting for it.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
