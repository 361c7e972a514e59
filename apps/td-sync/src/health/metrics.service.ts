import { Injectable } from '@nestjs/common';
import { SyncCounters } from '@td-sync/sync';

/** The counters of GET /metricz (PROTOCOL.md), since the process started. */
export interface MetricsSnapshot {
  uptime_seconds: number;
  requests: number;
  server_errors: number;
  client_errors: number;
  push_events_accepted: number;
  pull_requests: number;
}

/**
 * Response counters, fed by the HTTP layer (one hook sees every response,
 * whatever produced it), plus the replication counters the sync module keeps.
 */
@Injectable()
export class MetricsService {
  private readonly startedAt = Date.now();
  private requests = 0;
  private serverErrors = 0;
  private clientErrors = 0;

  constructor(private readonly sync: SyncCounters) {}

  recordResponse(status: number): void {
    this.requests++;
    if (status >= 500) this.serverErrors++;
    else if (status >= 400) this.clientErrors++;
  }

  snapshot(): MetricsSnapshot {
    return {
      uptime_seconds: Math.floor((Date.now() - this.startedAt) / 1000),
      requests: this.requests,
      server_errors: this.serverErrors,
      client_errors: this.clientErrors,
      push_events_accepted: this.sync.pushEventsAccepted,
      pull_requests: this.sync.pullRequests,
    };
  }
}
