import { Injectable } from '@nestjs/common';
import { ProjectDatabases } from '@td-sync/storage';
import { EventLog } from './event-log';
import { parsePullQuery } from './pull-query';
import { parsePushRequest } from './push-request';
import { SyncCounters } from './sync-counters';
import { pullResponseJson, pushResponseJson } from './sync-json';

/** GET .../sync/status (PROTOCOL.md); `last_event_time` is absent while the log is empty. */
export interface SyncStatus {
  event_count: number;
  last_server_seq: number;
  last_event_time?: string;
}

/**
 * Push, pull and status of one project's event log. Requests are validated
 * before the database is touched; each handle from ProjectDatabases is used
 * synchronously right after it is handed out, as that class requires.
 */
@Injectable()
export class SyncService {
  constructor(
    private readonly databases: ProjectDatabases,
    private readonly log: EventLog,
    private readonly counters: SyncCounters,
  ) {}

  /** Appends a push and answers with its JSON text. */
  async push(projectId: string, body: unknown, rawBody: string | undefined): Promise<string> {
    const batch = parsePushRequest(body, rawBody);
    const db = await this.databases.get(projectId);
    // One server time for the whole batch: its events were stored at once.
    const result = this.log.append(db, batch, new Date().toISOString());
    this.counters.pushEventsAccepted += result.accepted;
    if (result.accepted > 0) this.databases.written(projectId);
    return pushResponseJson(batch, result);
  }

  /** One page of events as JSON text, payloads spliced in verbatim. */
  async pull(projectId: string, query: unknown): Promise<string> {
    this.counters.pullRequests++;
    const { afterServerSeq, limit, excludeClient } = parsePullQuery(query);
    const db = await this.databases.get(projectId);
    return pullResponseJson(this.log.page(db, afterServerSeq, limit, excludeClient), afterServerSeq);
  }

  async status(projectId: string): Promise<SyncStatus> {
    const db = await this.databases.get(projectId);
    const { eventCount, lastServerSeq, lastEventTime } = this.log.status(db);
    const status: SyncStatus = { event_count: eventCount, last_server_seq: lastServerSeq };
    if (lastEventTime !== undefined) status.last_event_time = lastEventTime;
    return status;
  }
}
