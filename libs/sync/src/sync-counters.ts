import { Injectable } from '@nestjs/common';

/** The replication counters of GET /metricz, owned here and read by the app's metrics endpoint. */
@Injectable()
export class SyncCounters {
  pushEventsAccepted = 0;
  pullRequests = 0;
}
