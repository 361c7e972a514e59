/**
 * The push and pull answers, written as JSON text directly. A pull's event
 * objects come from storage already written (payloads spliced in as stored), which no parse-and-stringify could do; a push echoes
 * client_action_ids beyond 2^53 exactly.
 */
import { AppendResult, EventPage, PushBatch, PushOutcome } from '@td-sync/storage';

const ACCEPTED_OPEN = Buffer.from('{"accepted":');
const ACKS_OPEN = Buffer.from(',"acks":[');
const REJECTED_OPEN = Buffer.from('],"rejected":[');
const ACK_OPEN = Buffer.from('{"client_action_id":');
const ACK_SEQ = Buffer.from(',"server_seq":');
const DUPLICATE_SEQ = Buffer.from(',"reason":"duplicate","server_seq":');
const EMPTY_ENTITY_ID_CLOSE = Buffer.from(',"reason":"empty entity_id"}');
const CLOSE = Buffer.from(']}');
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const ZERO = 0x30;

/**
 * The most bytes one element of acks or rejected takes: a duplicate with an
 * int64 id (20 characters with its sign), a seq of up to 2^53 (16 digits) and
 * the comma before it.
 */
const MAX_ELEMENT_BYTES = 1 + ACK_OPEN.length + 20 + DUPLICATE_SEQ.length + 16 + 1;

/**
 * Where push answers are written before they are copied out at their size:
 * one Buffer for all of them (pushResponseJson is synchronous, so it never
 * writes two at once), grown when an answer could need more.
 */
let answerScratch = Buffer.allocUnsafeSlow(0);

/**
 * `{"accepted":N,"acks":[...],"rejected":[...]}`; `rejected` only when
 * something was. Written as bytes: a 1000-event push answers 45 KB, and
 * building it as a string took two thousand concatenations whose pieces
 * lived until the answer was sent (with 32 clients pushing, long enough to
 * be promoted to V8's old space), then a copy into bytes.
 *
 * The answer is written into answerScratch, whose size is only known to be
 * enough, then copied into a Buffer of exactly its size (3 µs for 45 KB): an
 * answer that owns all of its memory is handed back as soon as it is
 * compressed (the route's ANSWERS_WITH_FRESH_BUFFERS). A view into a larger
 * Buffer could not be, and with 32 clients pushing, those larger Buffers,
 * 93 KB each, held 35 MB waiting for V8 (docs/performance.md, Memory).
 */
export function pushResponseJson(batch: PushBatch, result: AppendResult): Buffer {
  const { outcomes, serverSeqs } = result;
  const events = batch.events;
  const most = ACCEPTED_OPEN.length + 16 + ACKS_OPEN.length + REJECTED_OPEN.length + CLOSE.length + outcomes.length * MAX_ELEMENT_BYTES;
  if (answerScratch.length < most) answerScratch = Buffer.allocUnsafeSlow(most);
  const out = answerScratch;
  let at = put(out, 0, ACCEPTED_OPEN);
  at = writeInteger(out, at, result.accepted);
  at = put(out, at, ACKS_OPEN);
  let first = true;
  let anyRejected = false;
  for (let i = 0; i < outcomes.length; i++) {
    if (outcomes[i] !== PushOutcome.Acked) {
      anyRejected = true;
      continue;
    }
    if (!first) out[at++] = COMMA;
    first = false;
    at = put(out, at, ACK_OPEN);
    at = writeInteger(out, at, events[i].clientActionId);
    at = put(out, at, ACK_SEQ);
    at = writeInteger(out, at, serverSeqs[i]);
    out[at++] = CLOSE_BRACE;
  }
  if (anyRejected) {
    at = put(out, at, REJECTED_OPEN);
    first = true;
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i];
      if (outcome === PushOutcome.Acked) continue;
      if (!first) out[at++] = COMMA;
      first = false;
      at = put(out, at, ACK_OPEN);
      at = writeInteger(out, at, events[i].clientActionId);
      if (outcome === PushOutcome.Duplicate) {
        at = put(out, at, DUPLICATE_SEQ);
        at = writeInteger(out, at, serverSeqs[i]);
        out[at++] = CLOSE_BRACE;
      } else {
        at = put(out, at, EMPTY_ENTITY_ID_CLOSE);
      }
    }
  }
  at = put(out, at, CLOSE);
  const answer = Buffer.allocUnsafe(at);
  out.copy(answer, 0, 0, at);
  return answer;
}

function put(out: Buffer, at: number, bytes: Buffer): number {
  bytes.copy(out, at);
  return at + bytes.length;
}

/** The integer's decimal digits (and sign) at `at`; returns where they end. */
function writeInteger(out: Buffer, at: number, value: number | bigint): number {
  if (typeof value === 'bigint') return at + out.write(value.toString(), at, 'latin1');
  if (value < 0) {
    out[at++] = 0x2d; // -
    value = -value;
  }
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    const rest = Math.floor(value / 10);
    out[i] = ZERO + (value - rest * 10);
    value = rest;
  }
  return end;
}

const EVENTS_OPEN = Buffer.from('{"events":[');

/**
 * `{"events":[...],"last_server_seq":N,"has_more":B}`. `last_server_seq` is
 * the last event's seq, or `afterServerSeq` when the page is empty. Both
 * backends' pages come as bytes, and the answer is bytes: nothing is decoded
 * into a string only to be encoded again on the way out.
 */
export function pullResponseJson(page: EventPage, afterServerSeq: number | bigint): Buffer {
  const lastServerSeq = page.lastServerSeq ?? afterServerSeq;
  const close = `],"last_server_seq":${lastServerSeq},"has_more":${page.hasMore}}`;
  const events = page.eventsJson;
  const answer = Buffer.allocUnsafe(EVENTS_OPEN.length + events.length + close.length);
  EVENTS_OPEN.copy(answer, 0);
  events.copy(answer, EVENTS_OPEN.length);
  answer.write(close, EVENTS_OPEN.length + events.length, 'latin1'); // digits, letters and punctuation: ASCII
  return answer;
}
