import { Module } from '@nestjs/common';
import { Clock } from './clock';

/** The one Clock of the application, shared by everything that decides by time (logins, keys, rate limits). */
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
