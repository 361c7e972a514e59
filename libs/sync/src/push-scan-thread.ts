import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { JsonSyntaxError } from './json-bytes';
import { layoutSlots, MAX_PUSH_EVENTS, PushBodyLayout, PushBodyScan } from './push-body-layout';
import type { PushScanReply, PushScanRequest } from './push-scan-messages';

/** The scan thread's program as built (dist/): push-scan.worker.ts compiled, next to this file. */
export const PUSH_SCAN_PROGRAM = join(__dirname, 'push-scan.worker.js');

/**
 * The thread's V8 heap: it holds the scanner's code and a few small objects
 * per scan, so a young generation of 1 MB (the server's is 4 MB per
 * semi-space, see package.json) is plenty; the old generation is capped well
 * above what it uses, so that a bug cannot grow it unseen.
 */
const THREAD_HEAP_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 };

/**
 * The thread ends after this long without a scan, and starts again with the
 * next large push: a server that sees one now and then does not keep its
 * 12 MB or so of memory (its own V8 heap and stack).
 */
export const PUSH_SCAN_IDLE_EXIT_MS = 30_000;

/** What a scan on the thread gives back. */
export interface PushScanResult {
  /** The whole body again: its memory went to the thread and came back, in this Buffer (the one sent is empty now). */
  body: Buffer;
  /** The scanned text: the same bytes of `body` as the text sent. */
  text: Buffer;
  /** What the scan found (see PushBodyScan). */
  found: PushBodyScan;
  /**
   * The slots sent with the body, back from the thread (the layout's events
   * are in them): the caller hands their memory back (releaseBufferMemory)
   * once it is done with the layout.
   */
  slots: Int32Array;
}

interface Waiting {
  resolve: (result: PushScanResult) => void;
  reject: (error: Error) => void;
  offset: number;
  length: number;
}

/**
 * Runs scanPushBody on a worker thread, so a large push body is laid out on
 * the second core while the event loop goes on with other requests (the
 * scan is about a quarter of a 1000-event push's CPU; docs/performance.md).
 * The body is not copied: its memory is transferred to the thread and back,
 * and the layout's arrays with it; a hand-off costs the event loop a few
 * tens of microseconds.
 *
 * One thread, started on first use, unreferenced (it never keeps the
 * process alive) and ended after PUSH_SCAN_IDLE_EXIT_MS without a scan;
 * scans queue there in the order sent. Should it fail or exit, the scans it
 * held are refused with an error (their bodies went with it: those requests
 * are answered 500 and logged, nothing of them stored) and the next scan
 * starts another. Where its program is not there (running from
 * the TypeScript sources, as the specs do), or a body does not own its
 * memory alone, `scan` answers undefined and the caller scans on the event
 * loop: the same function, the same answers.
 */
export class PushScanThread {
  private readonly logger = new Logger(PushScanThread.name);
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private closed = false;
  private idleTimer: NodeJS.Timeout | undefined;

  /** `program`: the worker's script (PUSH_SCAN_PROGRAM; specs pass one they compiled). `idleExitMs`: see PUSH_SCAN_IDLE_EXIT_MS. */
  constructor(
    private readonly program = PUSH_SCAN_PROGRAM,
    private readonly idleExitMs = PUSH_SCAN_IDLE_EXIT_MS,
  ) {}

  /** Whether the thread is running now. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Scans `text`, which lies in `body`, on the thread; undefined when the
   * thread cannot take it: its program missing or closed (see above), or `body` not the sole
   * owner of its memory (a view into memory other data shares would take
   * that data along). Once called with a result, `body` is empty: use the
   * result's.
   */
  scan(body: Buffer, text: Buffer): Promise<PushScanResult> | undefined {
    const memory = body.buffer;
    if (!(memory instanceof ArrayBuffer) || body.byteOffset !== 0 || body.byteLength !== memory.byteLength || text.buffer !== memory) return undefined;
    const worker = this.started();
    if (!worker) return undefined;
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    // Room for the most events a push may hold and one more (to tell a push of too many), allocated here (see push-scan.worker.ts).
    const slots = layoutSlots(MAX_PUSH_EVENTS + 1);
    const request: PushScanRequest = { id, memory, offset: text.byteOffset, length: text.length, slots };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, offset: request.offset, length: request.length });
      worker.postMessage(request, [memory, slots.buffer as ArrayBuffer]);
    });
  }

  /** Ends the thread; scans still waiting are refused. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    this.refuseWaiting(new Error('the push scan thread was closed'));
    await worker?.terminate();
  }

  private started(): Worker | undefined {
    if (this.worker) return this.worker;
    if (this.closed || !existsSync(this.program)) return undefined;
    let worker: Worker;
    try {
      worker = new Worker(this.program, { resourceLimits: THREAD_HEAP_LIMITS });
    } catch (error) {
      this.logger.warn(`cannot start the push scan thread, scanning on the event loop: ${(error as Error).message}`);
      return undefined;
    }
    worker.unref();
    worker.on('message', (reply: PushScanReply) => this.answer(reply));
    worker.on('error', (error) => this.ended(worker, `failed: ${error.message}`));
    worker.on('exit', (code) => this.ended(worker, `exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private answer({ id, memory, slots, layout, syntaxErrorAt, failure }: PushScanReply): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.idleTimer = setTimeout(() => this.endIdle(), this.idleExitMs).unref();
    if (failure !== undefined) return waiting.reject(new Error(`scanning a push body failed: ${failure}`));
    const found = syntaxErrorAt !== undefined ? new JsonSyntaxError(syntaxErrorAt) : layout && PushBodyLayout.fromParts(layout);
    waiting.resolve({ body: Buffer.from(memory), text: Buffer.from(memory, waiting.offset, waiting.length), found, slots });
  }

  /** Nothing scanned for idleExitMs: the thread goes (quietly; its 'exit' is expected). */
  private endIdle(): void {
    const worker = this.worker;
    if (!worker || this.waiting.size > 0) return;
    this.worker = undefined;
    void worker.terminate();
  }

  /** The thread is gone: what it held will not be answered, and the next scan starts another. */
  private ended(worker: Worker, how: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (this.closed) return;
    this.logger.error(`the push scan thread ${how}; it starts again with the next large push`);
    this.refuseWaiting(new Error(`the push scan thread ${how}`));
  }

  private refuseWaiting(error: Error): void {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const { reject } of waiting) reject(error);
  }
}
