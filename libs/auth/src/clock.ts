import { Injectable } from '@nestjs/common';

/**
 * The current time for every expiry decision in auth (15-minute logins,
 * one-year keys, the one-email-a-minute limit, the cleanup job). Injected
 * rather than read from `new Date()` so tests can move time forward instead of
 * waiting for it.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
