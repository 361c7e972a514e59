import { Module } from '@nestjs/common';
import { ProjectsModule } from '@td-sync/projects';
import { EventLog } from './event-log';
import { OpenProjectDatabaseGuard } from './open-project-database.guard';
import { SyncController } from './sync.controller';
import { SyncCounters } from './sync-counters';
import { SyncService } from './sync.service';

/** Event replication: push, pull and status on each project's event database. */
@Module({
  imports: [ProjectsModule],
  controllers: [SyncController],
  providers: [SyncCounters, EventLog, SyncService, OpenProjectDatabaseGuard],
  exports: [SyncCounters],
})
export class SyncModule {}
