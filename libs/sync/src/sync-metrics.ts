import { Injectable } from '@nestjs/common';
import { AppendResult, PushOutcome } from '@td-sync/storage';
import { Counter, Gauge, Histogram, type Metric } from 'prom-client';
import { LargePushGate } from './large-push-gate';

/** Events per push: td sends single events while working and batches of up to 1000 when catching up. */
const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 50, 100, 250, 500, 1000];

/**
 * Replication's Prometheus metrics. They belong to no registry: the app's
 * /metrics registers `all` (so several apps in one process never share a
 * counter). Each push and pull costs a few increments; nothing here
 * allocates per event.
 */
@Injectable()
export class SyncMetrics {
  private readonly pushedEvents = new Counter({
    name: 'td_sync_pushed_events_total',
    help: 'Events received by pushes, by outcome: accepted (stored), duplicate (already stored), rejected (empty entity_id)',
    labelNames: ['outcome'],
    registers: [],
  });

  private readonly batchSizes = new Histogram({
    name: 'td_sync_push_batch_size',
    help: 'Events per push request that passed validation',
    buckets: BATCH_SIZE_BUCKETS,
    registers: [],
  });

  private readonly pulledEvents = new Counter({
    name: 'td_sync_pulled_events_total',
    help: 'Events served by pulls',
    registers: [],
  });

  private readonly pushScans = new Counter({
    name: 'td_sync_push_scans_total',
    help: 'Push bodies validated, by where: on the event loop, or on the scan thread (bodies of 64 KiB and more)',
    labelNames: ['on'],
    registers: [],
  });

  readonly all: Metric[];

  /** Counts one push body validated on the event loop. */
  readonly pushScannedOnEventLoop = this.pushScans.labels('event_loop');
  /** Counts one push body validated on the scan thread (see PushRequestParser). */
  readonly pushScannedOnScanThread = this.pushScans.labels('scan_thread');

  // Bound once: a labelled inc otherwise hashes its labels on every call.
  private readonly accepted = this.pushedEvents.labels('accepted');
  private readonly duplicate = this.pushedEvents.labels('duplicate');
  private readonly rejected = this.pushedEvents.labels('rejected');

  constructor(largePushes: LargePushGate) {
    const waiting = new Gauge({
      name: 'td_sync_large_pushes_waiting',
      help: `Pushes of ${largePushes.minBytes / 1024} KiB or more read and waiting for their turn: ${largePushes.capacity} are validated and stored at once`,
      registers: [],
      collect() {
        this.set(largePushes.waiting);
      },
    });
    this.all = [this.pushedEvents, this.batchSizes, this.pulledEvents, this.pushScans, waiting];
    this.pulledEvents.inc(0);
    for (const counter of [this.accepted, this.duplicate, this.rejected, this.pushScannedOnEventLoop, this.pushScannedOnScanThread]) counter.inc(0);
  }

  recordPush(result: AppendResult): void {
    const events = result.outcomes.length;
    let duplicates = 0;
    for (let i = 0; i < events; i++) if (result.outcomes[i] === PushOutcome.Duplicate) duplicates++;
    this.batchSizes.observe(events);
    if (result.accepted > 0) this.accepted.inc(result.accepted);
    if (duplicates > 0) this.duplicate.inc(duplicates);
    if (events - result.accepted - duplicates > 0) this.rejected.inc(events - result.accepted - duplicates);
  }

  recordPull(events: number): void {
    if (events > 0) this.pulledEvents.inc(events);
  }
}
