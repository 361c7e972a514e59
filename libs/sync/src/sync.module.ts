import { Module } from '@nestjs/common';
import { SyncCounters } from './sync-counters';

/** Event replication: push, pull and status on each project's event database. */
@Module({
  providers: [SyncCounters],
  exports: [SyncCounters],
})
export class SyncModule {}
