import { Module } from '@nestjs/common';
import { InflightBodyBudgetModule } from '@td-sync/http';
import { ProjectsModule } from '@td-sync/projects';
import { StorageModule } from '@td-sync/storage';
import { SyncController } from './sync.controller';
import { SyncCounters } from './sync-counters';
import { SyncMetrics } from './sync-metrics';
import { LARGE_PUSHES_AT_ONCE, LargePushGate } from './large-push-gate';
import { OFF_LOOP_SCAN_BYTES, PushRequestParser } from './push-request-parser';
import { PushScanThread } from './push-scan-thread';
import { SyncService } from './sync.service';

/** Event replication: push, pull and status on each project's event log (EventStore), authorized by ProjectAccess. */
@Module({
  imports: [StorageModule, ProjectsModule, InflightBodyBudgetModule],
  controllers: [SyncController],
  providers: [
    SyncCounters,
    SyncMetrics,
    SyncService,
    PushRequestParser,
    { provide: PushScanThread, useFactory: () => new PushScanThread() },
    { provide: LargePushGate, useFactory: () => new LargePushGate(LARGE_PUSHES_AT_ONCE, OFF_LOOP_SCAN_BYTES) },
  ],
  exports: [SyncCounters, SyncMetrics],
})
export class SyncModule {}
