import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InflightBodyBudget } from '@td-sync/http';
import { releaseBufferMemory } from '@td-sync/memory';
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
 * the scan thread for a large body while other request bodies are in flight,
 * so that the event loop serves those meanwhile and the machine's second core
 * does the scan. The answers are parsePushRequest's, byte for byte: the same
 * scanner runs, and the same checks follow on the event loop.
 *
 * A large push that is the only body in flight (a lone `td` catching up,
 * batch after batch, or a bench's set-up) is scanned on the event loop: with
 * nothing else to serve, the hand-off would only add its own cost, and the
 * thread is not started for it (it costs about 10 MB of memory while it
 * runs; docs/performance.md, Memory). Bodies are what the in-flight budget
 * counts from a request's admission until its answer is sent, so a push
 * waiting for its group commit counts as well as one being received.
 */
@Injectable()
export class PushRequestParser implements OnApplicationShutdown {
  constructor(
    private readonly thread: PushScanThread,
    private readonly metrics: SyncMetrics,
    private readonly bodies: InflightBodyBudget,
  ) {}

  /**
   * The batch in `request.body`, or the 400 for its first problem. A body
   * scanned on the thread comes back in another Buffer, which becomes
   * `request.body` (the one the app releases once the answer is sent).
   */
  async parse(request: PushRequestBody): Promise<PushBatch> {
    const body = request.body;
    const text = pushBodyBytes(body);
    const scan = text.length >= OFF_LOOP_SCAN_BYTES && this.othersInFlight(body as Buffer) ? this.thread.scan(body as Buffer, text) : undefined;
    if (!scan) {
      this.metrics.pushScannedOnEventLoop.inc();
      return pushBatchFrom(text, tryScanPushBody(text));
    }
    this.metrics.pushScannedOnScanThread.inc();
    const scanned = await scan;
    request.body = scanned.body;
    try {
      return pushBatchFrom(scanned.text, scanned.found);
    } finally {
      // The batch holds nothing of the layout. Its slots (52 KB) came back
      // from the thread in an object that otherwise died in V8's old space,
      // its memory waiting for a full collection: with 1000-event pushes
      // that piled up by 40 MB and more between them (docs/performance.md).
      releaseBufferMemory(scanned.slots);
    }
  }

  /**
   * Whether the budget holds more than this body's own bytes (its
   * Content-Length). A chunked body holds the whole body limit, more than
   * it is, so it always counts as having company: the thread, as before.
   */
  private othersInFlight(body: Buffer): boolean {
    return this.bodies.bytesInFlight > body.length;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.thread.close();
  }
}
