import { PushEvent, PushOutcome } from './event-store';

/**
 * What a push batch says about itself before any storage is asked: which
 * events are refused alone and which repeat an id earlier in the same batch.
 * Both backends start an append from it (SqliteEventLog, planAppend), so the
 * rules of PROTOCOL.md that need no stored data are written once.
 */
export interface BatchCopies {
  /**
   * Per event, in request order: EmptyEntityId for an event without
   * entity_id (refused alone, its id taken by nothing); Duplicate for a
   * later copy of an id; Acked for the first copy of an id, which storage
   * may still find stored by an earlier push (it is a Duplicate then).
   */
  outcomes: Uint8Array;
  /** Per event: for a later copy, the index of its id's first copy (whose seq it is answered with); else -1. */
  firstCopyOf: Int32Array;
  /** How many events are first copies: the ones storage has to look up or store. */
  firstCopies: number;
  /** The smallest and largest id among the first copies; null when there is none. */
  lowest: number | bigint | null;
  highest: number | bigint | null;
}

/**
 * Sorts a batch's events into first copies, later copies and events refused
 * alone (see BatchCopies). The first copy of an id wins; an event with an
 * empty entity_id is no copy of anything, so an id it carries is still new
 * to the event after it.
 *
 * A client's ids only grow within a batch, so while each id is above the one
 * before, no id can repeat and nothing is remembered per id; only a batch
 * that goes back somewhere fills a Map of the ids seen, from the start.
 * Ids are numbers while safe and bigints beyond, never both for one value, so
 * `<`, `>` and the Map's keys compare them exactly as they are.
 */
export function sortOutBatchCopies(events: readonly PushEvent[]): BatchCopies {
  const count = events.length;
  const outcomes = new Uint8Array(count); // PushOutcome.Acked is 0
  const firstCopyOf = new Int32Array(count).fill(-1);
  let firstCopies = 0;
  let lowest: number | bigint | null = null;
  let highest: number | bigint | null = null;
  let ascending = true;
  for (let i = 0; i < count; i++) {
    const event = events[i];
    if (event.entityId === '') {
      outcomes[i] = PushOutcome.EmptyEntityId;
      continue;
    }
    const id = event.clientActionId;
    if (highest === null || id > highest) {
      highest = id;
      lowest ??= id;
    } else {
      ascending = false;
      break;
    }
    firstCopies++;
  }
  if (ascending) return { outcomes, firstCopyOf, firstCopies, lowest, highest };

  // Some id is not above the one before it: start again, remembering each id's first copy.
  const firstOf = new Map<number | bigint, number>();
  firstCopies = 0;
  lowest = null;
  highest = null;
  for (let i = 0; i < count; i++) {
    const event = events[i];
    if (event.entityId === '') {
      outcomes[i] = PushOutcome.EmptyEntityId;
      continue;
    }
    const id = event.clientActionId;
    const first = firstOf.get(id);
    if (first !== undefined) {
      outcomes[i] = PushOutcome.Duplicate;
      firstCopyOf[i] = first;
      continue;
    }
    firstOf.set(id, i);
    firstCopies++;
    if (lowest === null || id < lowest) lowest = id;
    if (highest === null || id > highest) highest = id;
  }
  return { outcomes, firstCopyOf, firstCopies, lowest, highest };
}
