import { Injectable } from '@nestjs/common';

/** Wall-clock milliseconds, injectable so tests can move time instead of waiting for it. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
