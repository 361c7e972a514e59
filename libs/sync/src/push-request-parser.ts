import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { PushBatch } from '@td-sync/storage';
import { tryScanPushBody } from './push-body-layout';
import { pushBatchFrom, pushBodyBytes } from './push-request';
import { PushScanThread } from './push-scan-thread';
import { SyncMetrics } from './sync-metrics';

/**
 * Push bodies from this size on are scanned on the scan thread; smaller ones
 * on the event loop, where scanning one costs less than the hand-off (a
 * 10-event push's 11 KB take about 25 µs, a hand-off 30–60 µs of the event
 * loop's time and a thread's wake-up).
 */
export const OFF_LOOP_SCAN_BYTES = 64 * 1024;

/** The request as the parser sees it: its body, which a scan on the thread moves to another Buffer. */
export interface PushRequestBody {
  body: unknown;
}

/**
 * parsePushRequest for the push route, with the one step that grows with a
 * body (the validating scan, a quarter of a 1000-event push's CPU) done on
 * the scan thread for a large body, so that the event loop serves other
 * requests meanwhile and the machine's second core does that work. The
 * answers are parsePushRequest's, byte for byte: the same scanner runs, and
 * the same checks follow on the event loop.
 */
@Injectable()
export class PushRequestParser implements OnApplicationShutdown {
  constructor(
    private readonly thread: PushScanThread,
    private readonly metrics: SyncMetrics,
  ) {}

  /**
   * The batch in `request.body`, or the 400 for its first problem. A body
   * scanned on the thread comes back in another Buffer, which becomes
   * `request.body` (the one the app releases once the answer is sent).
   */
  async parse(request: PushRequestBody): Promise<PushBatch> {
    const body = request.body;
    const text = pushBodyBytes(body);
    const scan = text.length >= OFF_LOOP_SCAN_BYTES ? this.thread.scan(body as Buffer, text) : undefined;
    if (!scan) {
      this.metrics.pushScannedOnEventLoop.inc();
      return pushBatchFrom(text, tryScanPushBody(text));
    }
    this.metrics.pushScannedOnScanThread.inc();
    const scanned = await scan;
    request.body = scanned.body;
    return pushBatchFrom(scanned.text, scanned.found);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.thread.close();
  }
}
