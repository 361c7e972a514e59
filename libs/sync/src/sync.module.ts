import { Module } from '@nestjs/common';
import { ProjectsModule } from '@td-sync/projects';
import { EventLog } from './event-log';
import { SyncController } from './sync.controller';
import { SyncCounters } from './sync-counters';
import { SyncService } from './sync.service';

/** Event replication: push, pull and status on each project's event database. */
@Module({
  imports: [ProjectsModule],
  controllers: [SyncController],
  providers: [SyncCounters, EventLog, SyncService],
  exports: [SyncCounters],
})
export class SyncModule {}
