import { Injectable } from '@nestjs/common';
import { releaseBufferMemory } from '@td-sync/memory';
import { ProjectAccess } from '@td-sync/projects';
import { AccessDecision, EventPage, EventPageRequest, EventStore, PushBatch } from '@td-sync/storage';
import { SyncCounters } from './sync-counters';
import { SyncMetrics } from './sync-metrics';
import { pullResponseJson, pushResponseJson } from './sync-json';

/** GET .../sync/status (PROTOCOL.md); `last_event_time` is absent while the log is empty. */
export interface SyncStatus {
  event_count: number;
  last_server_seq: number;
  last_event_time?: string;
}

/**
 * Push, pull and status of one project's event log, on input the controller
 * has already validated. Each is one EventStore call that carries
 * ProjectAccess's decision: storage reads the caller's role and applies it in
 * the same atomic step as the work, so a push never lands after its author
 * lost the role or the project was deleted. It is the only time the role is
 * read for valid input: these routes have no guard before them.
 */
@Injectable()
export class SyncService {
  private readonly mayRead: AccessDecision;
  private readonly mayWrite: AccessDecision;

  constructor(
    private readonly events: EventStore,
    private readonly counters: SyncCounters,
    private readonly metrics: SyncMetrics,
    access: ProjectAccess,
  ) {
    this.mayRead = access.decision('reader');
    this.mayWrite = access.decision('writer');
  }

  /** Appends a push and answers with its JSON, as bytes. */
  async push(projectId: string, userId: string, batch: PushBatch): Promise<Buffer> {
    // One server time for the whole batch: its events were stored at once.
    const result = await this.events.append(projectId, userId, batch, new Date().toISOString(), this.mayWrite);
    this.counters.pushEventsAccepted += result.accepted;
    this.metrics.recordPush(result);
    return pushResponseJson(batch, result);
  }

  /**
   * One page of events as JSON text, payloads spliced in verbatim. A pull
   * that storage admits counts in /metricz's pull_requests, whether or not
   * its page is then read. It counts once, by the last decision applied: the
   * SQLite store also applies it before opening a database, and the check
   * after the open is the one that holds.
   */
  async pull(projectId: string, userId: string, query: EventPageRequest): Promise<Buffer> {
    let admitted = false;
    const admit: AccessDecision = (projectLive, role) => {
      admitted = false;
      this.mayRead(projectLive, role);
      admitted = true;
    };
    let page: EventPage;
    try {
      page = await this.events.page(projectId, userId, query, admit);
    } finally {
      if (admitted) this.counters.pullRequests++;
    }
    this.metrics.recordPull(page.count);
    const answer = pullResponseJson(page, query.afterServerSeq);
    // The page's bytes (a MB for 1000 events) are copied into the answer: hand their memory back now.
    releaseBufferMemory(page.eventsJson);
    return answer;
  }

  async status(projectId: string, userId: string): Promise<SyncStatus> {
    const { eventCount, lastServerSeq, lastEventTime } = await this.events.status(projectId, userId, this.mayRead);
    const status: SyncStatus = { event_count: eventCount, last_server_seq: lastServerSeq };
    if (lastEventTime !== undefined) status.last_event_time = lastEventTime;
    return status;
  }
}
