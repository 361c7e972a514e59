/**
 * Finds, in the text of a push body, where each `events[i].payload` and
 * `events[i].client_action_id` value is spelled. Payloads are stored as the
 * client wrote them (PROTOCOL.md: key order, number spelling and escapes
 * survive), and JSON.parse keeps none of that; client action ids beyond 2^53
 * lose digits in JSON.parse.
 *
 * It walks the text with the primitives of the one JSON scanner
 * (`@td-sync/http`, json-scanner.ts), which trusts that JSON.parse accepted
 * it. It follows JSON.parse where that matters: the last of duplicate keys
 * wins, and keys are compared after unescaping (`"pay\u006coad"` is
 * `payload`). A 1000-event push costs a fraction of a millisecond per 100 kB.
 *
 * On the way it notes, for the caller to refuse, what JSON.parse lets pass:
 * how deeply the text nests (a Go client cannot decode beyond 10,000 levels),
 * and a member the server reads that appears twice in its object (another
 * parser might keep the first where JSON.parse keeps the last).
 */

import { BACKSLASH, COLON, COMMA, type DepthNote, expectChar, keyAt, LBRACE, LBRACKET, RBRACE, RBRACKET, skipString, skipValue, skipWhitespace } from '@td-sync/http';

/** Spans of the last top-level `events` array, four offsets per element. */
export interface RawEventSpans {
  /** Elements in that array; 0 when the body has none. */
  readonly count: number;
  /**
   * For element i: [4i, 4i+1) is where its `payload` value starts and ends,
   * [4i+2, 4i+3) its `client_action_id` value; -1 for a member that is absent
   * (or an element that is not an object).
   */
  readonly offsets: number[];
  /**
   * The first top-level member (`device_id`, `session_id`, `events`) or
   * event member (`client_action_id`, `action_type`, `entity_type`,
   * `entity_id`, `payload`, `client_timestamp`) found twice in its object.
   */
  readonly repeatedKey: string | undefined;
  /** How deeply the text nests: 1 for `{}`, 2 for `{"a":[]}`, and so on. */
  readonly depth: number;
}

/** What a scan notes besides the offsets. */
interface ScanNotes extends DepthNote {
  repeatedKey: string | undefined;
}

const TOP_LEVEL_MEMBERS = ['device_id', 'session_id', 'events'] as const;
const EVENT_MEMBERS = ['client_action_id', 'action_type', 'entity_type', 'entity_id', 'payload', 'client_timestamp'] as const;
const PAYLOAD = EVENT_MEMBERS.indexOf('payload');
const CLIENT_ACTION_ID = EVENT_MEMBERS.indexOf('client_action_id');
const EVENTS = TOP_LEVEL_MEMBERS.indexOf('events');

/** Scans a JSON text whose top-level value is an object. */
export function findRawEventSpans(text: string): RawEventSpans {
  const offsets: number[] = [];
  const notes: ScanNotes = { repeatedKey: undefined, depth: 1 };
  let count = 0;
  let seen = 0;
  let i = skipWhitespace(text, 0);
  expectChar(text, i, LBRACE);
  i = skipWhitespace(text, i + 1);
  if (text.charCodeAt(i) === RBRACE) return { count, offsets, ...notes };
  for (;;) {
    const keyEnd = skipString(text, i);
    const member = memberOf(text, i, keyEnd, TOP_LEVEL_MEMBERS);
    seen = noteRepeats(notes, seen, member, TOP_LEVEL_MEMBERS);
    const isEvents = member === EVENTS;
    i = skipWhitespace(text, keyEnd);
    expectChar(text, i, COLON);
    i = skipWhitespace(text, i + 1);
    if (isEvents) {
      // A repeated key replaces the earlier value, as in JSON.parse.
      offsets.length = 0;
      count = 0;
      if (text.charCodeAt(i) === LBRACKET) {
        i = scanEventsArray(text, i, offsets, notes);
        count = offsets.length / 4;
      } else {
        i = skipValue(text, i, 1, notes);
      }
    } else {
      i = skipValue(text, i, 1, notes);
    }
    i = skipWhitespace(text, i);
    if (text.charCodeAt(i) === COMMA) {
      i = skipWhitespace(text, i + 1);
      continue;
    }
    expectChar(text, i, RBRACE);
    return { count, offsets, ...notes };
  }
}

/** `text[i]` is `[`; appends four offsets per element; returns the index after `]`. */
function scanEventsArray(text: string, i: number, offsets: number[], notes: ScanNotes): number {
  if (notes.depth < 2) notes.depth = 2;
  i = skipWhitespace(text, i + 1);
  if (text.charCodeAt(i) === RBRACKET) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) === LBRACE) {
      i = scanEventObject(text, i, offsets, notes);
    } else {
      offsets.push(-1, -1, -1, -1);
      i = skipValue(text, i, 2, notes);
    }
    i = skipWhitespace(text, i);
    if (text.charCodeAt(i) === COMMA) {
      i = skipWhitespace(text, i + 1);
      continue;
    }
    expectChar(text, i, RBRACKET);
    return i + 1;
  }
}

/** `text[i]` is `{`; appends this event's four offsets; returns the index after `}`. */
function scanEventObject(text: string, i: number, offsets: number[], notes: ScanNotes): number {
  let payloadStart = -1;
  let payloadEnd = -1;
  let idStart = -1;
  let idEnd = -1;
  let seen = 0;
  if (notes.depth < 3) notes.depth = 3;
  i = skipWhitespace(text, i + 1);
  if (text.charCodeAt(i) !== RBRACE) {
    for (;;) {
      const keyStart = i;
      const keyEnd = skipString(text, i);
      i = skipWhitespace(text, keyEnd);
      expectChar(text, i, COLON);
      const valueStart = skipWhitespace(text, i + 1);
      const valueEnd = skipValue(text, valueStart, 3, notes);
      const member = memberOf(text, keyStart, keyEnd, EVENT_MEMBERS);
      seen = noteRepeats(notes, seen, member, EVENT_MEMBERS);
      if (member === PAYLOAD) {
        payloadStart = valueStart;
        payloadEnd = valueEnd;
      } else if (member === CLIENT_ACTION_ID) {
        idStart = valueStart;
        idEnd = valueEnd;
      }
      i = skipWhitespace(text, valueEnd);
      if (text.charCodeAt(i) === COMMA) {
        i = skipWhitespace(text, i + 1);
        continue;
      }
      expectChar(text, i, RBRACE);
      break;
    }
  }
  offsets.push(payloadStart, payloadEnd, idStart, idEnd);
  return i + 1;
}

/** Which of `names` the string token text[start, end) (quotes included) means; -1 for none. */
function memberOf(text: string, start: number, end: number, names: readonly string[]): number {
  for (let j = start + 1; j < end - 1; j++) {
    if (text.charCodeAt(j) === BACKSLASH) return names.indexOf(keyAt(text, start, end));
  }
  const length = end - start - 2;
  for (let n = 0; n < names.length; n++) {
    if (names[n].length === length && text.startsWith(names[n], start + 1)) return n;
  }
  return -1;
}

/** Records the first repeated member; `seen` has bit n set once names[n] was met in this object. */
function noteRepeats(notes: ScanNotes, seen: number, member: number, names: readonly string[]): number {
  if (member < 0) return seen;
  const bit = 1 << member;
  if (seen & bit && notes.repeatedKey === undefined) notes.repeatedKey = names[member];
  return seen | bit;
}
