import { sortOutBatchCopies } from '../repositories/batch-copies';
import { AppendResult, PushBatch, PushEvent, PushOutcome } from '../repositories/event-store';
import { BinaryArrayBuilder } from './binary-array-builder';

/** The events td_sync_push is sent, in request order, as binary array parameters (see BinaryArrayBuilder). */
export interface AppendColumns {
  ids: Buffer;
  actionTypes: Buffer;
  entityTypes: Buffer;
  entityIds: Buffer;
  payloads: Buffer;
  clientTimestamps: Buffer;
}

export interface AppendPlan {
  /** How many events are sent: the batch less events refused alone and repeats of an id earlier in the batch. */
  sentCount: number;
  /** The smallest and largest id sent (null when none is). */
  lowest: number | bigint | null;
  highest: number | bigint | null;
  columns: AppendColumns;
  /**
   * The push's outcome once td_sync_push stored it: the sent events at the
   * 1-based positions `storedAt` were stored before, with `storedSeqs`; the
   * others were numbered from `firstSeq` in order.
   */
  outcome(firstSeq: number, storedAt: readonly number[] | null, storedSeqs: readonly string[] | null): AppendResult;
}

/**
 * Which events of the batch to send, in request order: the first copy of
 * each id (see sortOutBatchCopies, which also refuses an event without
 * entity_id alone and answers a repeat with its first copy's seq), so every
 * id is sent once. Whether an id was stored by an earlier push is
 * td_sync_push's to say.
 */
export function planAppend(batch: PushBatch): AppendPlan {
  const { events } = batch;
  const count = events.length;
  const { outcomes, firstCopyOf, firstCopies, lowest, highest } = sortOutBatchCopies(events);
  /** Per event: the position among the sent events of the one that stands for it, or -1. */
  const sentIndex = new Int32Array(count).fill(-1);
  // A payload that comes as bytes (PushEventFromBytes) is sized and copied as
  // bytes: reading `payload` would decode it into a string the event keeps,
  // which then waits with the batch for the round trip and is promoted to
  // old space (300 MB of them in 5 s of 1000-event pushes; docs/performance.md).
  let payloadBytes = 0;
  for (let i = 0; i < count; i++) payloadBytes += payloadByteLength(events[i]);
  const ids = BinaryArrayBuilder.int8(firstCopies);
  const actionTypes = BinaryArrayBuilder.text(firstCopies * 8);
  const entityTypes = BinaryArrayBuilder.text(firstCopies * 16);
  const entityIds = BinaryArrayBuilder.text(firstCopies * 24);
  const payloads = BinaryArrayBuilder.text(payloadBytes + firstCopies * 4);
  const clientTimestamps = BinaryArrayBuilder.text(firstCopies * 28);
  for (let i = 0; i < count; i++) {
    if (outcomes[i] === PushOutcome.EmptyEntityId) continue;
    if (firstCopyOf[i] >= 0) {
      sentIndex[i] = sentIndex[firstCopyOf[i]];
      continue;
    }
    const event = events[i];
    sentIndex[i] = ids.length;
    ids.addInt8(event.clientActionId);
    actionTypes.addText(event.actionType);
    entityTypes.addText(event.entityType);
    entityIds.addText(event.entityId);
    const bytes = event.payloadBytes;
    if (bytes !== undefined) payloads.addTextBytes(bytes);
    else payloads.addText(event.payload);
    clientTimestamps.addText(event.clientTimestamp);
  }
  const sentCount = ids.length;
  return {
    sentCount,
    lowest,
    highest,
    columns: {
      ids: ids.finish(),
      actionTypes: actionTypes.finish(),
      entityTypes: entityTypes.finish(),
      entityIds: entityIds.finish(),
      payloads: payloads.finish(),
      clientTimestamps: clientTimestamps.finish(),
    },
    outcome(firstSeq, storedAt, storedSeqs) {
      const seqOfSent = new Float64Array(sentCount);
      const stored = new Uint8Array(sentCount);
      let storedCount = 0;
      if (storedAt !== null && storedSeqs !== null) {
        storedCount = storedAt.length;
        for (let j = 0; j < storedCount; j++) {
          stored[storedAt[j] - 1] = 1;
          seqOfSent[storedAt[j] - 1] = Number(storedSeqs[j]);
        }
      }
      let next = firstSeq;
      for (let k = 0; k < sentCount; k++) if (stored[k] === 0) seqOfSent[k] = next++;
      const serverSeqs = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const k = sentIndex[i];
        if (k < 0) continue;
        serverSeqs[i] = seqOfSent[k];
        if (stored[k] === 1) outcomes[i] = PushOutcome.Duplicate;
      }
      return { accepted: sentCount - storedCount, outcomes, serverSeqs };
    },
  };
}

/** The payload's size in bytes where the event has them, else its length in UTF-16 units (the builder grows if that is short). */
function payloadByteLength(event: PushEvent): number {
  return event.payloadByteLength ?? event.payloadBytes?.length ?? event.payload.length;
}
