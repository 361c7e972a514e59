/**
 * The push and pull answers, written as JSON text directly. A pull's event
 * objects come from storage already written (payloads spliced in as stored), which no parse-and-stringify could do; a push echoes
 * client_action_ids beyond 2^53 exactly.
 */
import { AppendResult, EventPage, PushBatch, PushOutcome } from '@td-sync/storage';

/** `{"accepted":N,"acks":[...],"rejected":[...]}`; `rejected` only when something was. */
export function pushResponseJson(batch: PushBatch, result: AppendResult): string {
  const { outcomes, serverSeqs } = result;
  const events = batch.events;
  let acks = '';
  let rejected = '';
  for (let i = 0; i < outcomes.length; i++) {
    const id = events[i].clientActionId;
    switch (outcomes[i]) {
      case PushOutcome.Acked:
        acks += `${acks === '' ? '' : ','}{"client_action_id":${id},"server_seq":${serverSeqs[i]}}`;
        break;
      case PushOutcome.Duplicate:
        rejected += `${rejected === '' ? '' : ','}{"client_action_id":${id},"reason":"duplicate","server_seq":${serverSeqs[i]}}`;
        break;
      case PushOutcome.EmptyEntityId:
        rejected += `${rejected === '' ? '' : ','}{"client_action_id":${id},"reason":"empty entity_id"}`;
        break;
    }
  }
  return `{"accepted":${result.accepted},"acks":[${acks}]${rejected === '' ? '' : `,"rejected":[${rejected}]`}}`;
}

const EVENTS_OPEN = Buffer.from('{"events":[');

/**
 * `{"events":[...],"last_server_seq":N,"has_more":B}`. `last_server_seq` is
 * the last event's seq, or `afterServerSeq` when the page is empty. A page
 * whose events come as bytes (both backends' pages do) is answered as bytes:
 * nothing is decoded into a string only to be encoded again on the way out.
 */
export function pullResponseJson(page: EventPage, afterServerSeq: number | bigint): string | Buffer {
  const lastServerSeq = page.lastServerSeq ?? afterServerSeq;
  const close = `],"last_server_seq":${lastServerSeq},"has_more":${page.hasMore}}`;
  if (typeof page.eventsJson === 'string') return `{"events":[${page.eventsJson}${close}`;
  const events = page.eventsJson;
  const answer = Buffer.allocUnsafe(EVENTS_OPEN.length + events.length + close.length);
  EVENTS_OPEN.copy(answer, 0);
  events.copy(answer, EVENTS_OPEN.length);
  answer.write(close, EVENTS_OPEN.length + events.length, 'latin1'); // digits, letters and punctuation: ASCII
  return answer;
}
