import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SyncModule } from '@td-sync/sync';
import { HealthController } from './health.controller';
import { MetricsService } from './metrics.service';
import { ServerDatabaseHealth } from './server-database.health';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), SyncModule],
  controllers: [HealthController],
  providers: [MetricsService, ServerDatabaseHealth],
  exports: [MetricsService],
})
export class HealthModule {}
