import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { StorageModule } from '@td-sync/storage';
import { SyncModule } from '@td-sync/sync';
import { HealthController } from './health.controller';
import { MetricsService } from './metrics.service';
import { StorageHealth } from './storage.health';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), StorageModule, SyncModule],
  controllers: [HealthController],
  providers: [MetricsService, StorageHealth],
  exports: [MetricsService],
})
export class HealthModule {}
