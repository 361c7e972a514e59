/**
 * The scan thread's program (see PushScanThread): for each push body it is
 * sent, the same scanPushBody the event loop runs, and the answer sent back
 * with the body's memory and the layout's arrays transferred, not copied.
 * It imports nothing but the scanner, so the thread loads no more than it,
 * and allocates next to nothing: the layout is written into slots sent with
 * the body (a layout grown here instead left its outgrown arrays behind,
 * memory outside this thread's small heap that its rare collections let
 * pile up by tens of MB).
 */
import { parentPort } from 'node:worker_threads';
import { JsonSyntaxError } from './json-bytes';
import { tryScanPushBody } from './push-body-layout';
import type { PushScanReply, PushScanRequest } from './push-scan-messages';

function scan({ id, memory, offset, length, slots }: PushScanRequest): PushScanReply {
  try {
    const found = tryScanPushBody(Buffer.from(memory, offset, length), slots);
    return found instanceof JsonSyntaxError ? { id, memory, slots, syntaxErrorAt: found.offset } : { id, memory, slots, layout: found?.toParts() };
  } catch (error) {
    return { id, memory, slots, failure: String(error) };
  }
}

parentPort?.on('message', (request: PushScanRequest) => {
  const reply = scan(request);
  // The body and the slots go back whatever the answer, so that a refused body leaves nothing here either.
  const transfer = [reply.memory, reply.slots.buffer as ArrayBuffer];
  const grown = reply.layout?.events.buffer;
  if (grown && grown !== reply.slots.buffer) transfer.push(grown as ArrayBuffer);
  parentPort?.postMessage(reply, transfer);
});
