/**
 * Where a push body spells what the server reads (PROTOCOL.md, Push), found
 * in one validating pass over its UTF-8 bytes (json-bytes.ts):
 * the top-level device_id, session_id and events values, and for each element
 * of events its six members' values. Nothing is decoded or built here;
 * parsePushRequest reads the values it needs from the bytes, and payloads are
 * stored as the very text the client wrote (PROTOCOL.md: key order, number
 * spelling and escapes survive), which a parse would not keep.
 *
 * It follows JSON.parse where that matters: a body JSON.parse would refuse is
 * a JsonSyntaxError; the last of duplicate keys wins; keys are compared after
 * unescaping (`"pay\u006coad"` is `payload`). On the way it notes, for the
 * caller to refuse, what JSON.parse lets pass: how deeply the text nests (a Go
 * client cannot decode beyond 10,000 levels), and a member the server reads
 * that appears twice in its object (another parser might keep the first
 * where JSON.parse keeps the last).
 */

import * as jsonBytes from './json-bytes';
import type { DepthNote } from './json-bytes';

/**
 * The scanner, bound here once. A named import compiles to a property load
 * from the module object at every use (a re-export getter's call, through a
 * library's index), and the scan loops below make hundreds of thousands of
 * them per push: bound to module constants, a push body's scan takes about a
 * quarter less time.
 */
const {
  COLON,
  COMMA,
  expectByte,
  hasEscape,
  JsonSyntaxError,
  LBRACE,
  LBRACKET,
  QUOTE,
  RBRACE,
  RBRACKET,
  scanString,
  scanValue,
  scanWords,
  skipWhitespace,
} = jsonBytes;

/** PROTOCOL.md: at most this many events in one push. */
export const MAX_PUSH_EVENTS = 1000;

export const TOP_LEVEL_MEMBERS = ['device_id', 'session_id', 'events'] as const;
export const EVENT_MEMBERS = ['client_action_id', 'action_type', 'entity_type', 'entity_id', 'payload', 'client_timestamp'] as const;
export type EventMember = (typeof EVENT_MEMBERS)[number];

export const DEVICE_ID = 0;
export const SESSION_ID = 1;
export const EVENTS = 2;
/** Event members by index in EVENT_MEMBERS. */
export const CLIENT_ACTION_ID = 0;
export const ACTION_TYPE = 1;
export const ENTITY_TYPE = 2;
export const ENTITY_ID = 3;
export const PAYLOAD = 4;
export const CLIENT_TIMESTAMP = 5;

/** Per event: where the element starts, then start and end of each member's value (-1 when absent). */
const SLOTS_PER_EVENT = 1 + 2 * EVENT_MEMBERS.length;

const TOP_LEVEL_KEYS = TOP_LEVEL_MEMBERS.map(bytesOf);
const EVENT_KEYS = EVENT_MEMBERS.map(bytesOf);

/** A PushBodyLayout as plain values (see PushBodyLayout.toParts). */
export interface PushBodyLayoutParts {
  depth: number;
  repeatedKey: string | undefined;
  topLevel: Int32Array;
  eventCount: number;
  events: Int32Array;
}

export class PushBodyLayout implements DepthNote {
  /** How deeply the text nests: 1 for `{}`, 2 for `{"a":[]}`, and so on. */
  depth = 1;
  /** The first top-level member or event member found twice in its object. */
  repeatedKey: string | undefined;
  /** Start and end of each top-level member's value, by index in TOP_LEVEL_MEMBERS; -1 when absent. */
  readonly topLevel = new Int32Array(2 * TOP_LEVEL_MEMBERS.length).fill(-1);
  /** Elements in the last `events` array; 0 when events is absent or not an array. */
  eventCount = 0;
  private events: Int32Array;

  /** `events`: the slots to fill (see layoutSlots), grown (doubling) when more elements come. */
  constructor(events = layoutSlots(64)) {
    this.events = events;
  }

  /** A layout as scanned elsewhere, from its parts (see toParts). */
  static fromParts(parts: PushBodyLayoutParts): PushBodyLayout {
    const layout = new PushBodyLayout(parts.events);
    layout.depth = parts.depth;
    layout.repeatedKey = parts.repeatedKey;
    layout.topLevel.set(parts.topLevel);
    layout.eventCount = parts.eventCount;
    return layout;
  }

  /**
   * Everything the layout holds, as values a thread can send another (the
   * two arrays' memory can be transferred, not copied): how a layout scanned
   * on the scan thread comes back to the event loop.
   */
  toParts(): PushBodyLayoutParts {
    return { depth: this.depth, repeatedKey: this.repeatedKey, topLevel: this.topLevel, eventCount: this.eventCount, events: this.events };
  }

  /** Where the value of top-level member `member` starts; -1 when absent. */
  startOf(member: number): number {
    return this.topLevel[2 * member];
  }

  endOf(member: number): number {
    return this.topLevel[2 * member + 1];
  }

  /** Where element `i` of events starts (its first byte tells what it is). */
  elementStart(i: number): number {
    return this.events[SLOTS_PER_EVENT * i];
  }

  /** Where the value of `member` (an index in EVENT_MEMBERS) of element i starts; -1 when absent or the element is not an object. */
  memberStart(i: number, member: number): number {
    return this.events[SLOTS_PER_EVENT * i + 1 + 2 * member];
  }

  memberEnd(i: number, member: number): number {
    return this.events[SLOTS_PER_EVENT * i + 2 + 2 * member];
  }

  /** Slots for one more element, all members absent; returns its base index. */
  addElement(start: number): number {
    const base = SLOTS_PER_EVENT * this.eventCount++;
    if (base + SLOTS_PER_EVENT > this.events.length) {
      const grown = new Int32Array(this.events.length * 2);
      grown.set(this.events);
      this.events = grown;
    }
    this.events.fill(-1, base + 1, base + SLOTS_PER_EVENT);
    this.events[base] = start;
    return base;
  }

  setMember(base: number, member: number, start: number, end: number): void {
    this.events[base + 1 + 2 * member] = start;
    this.events[base + 2 + 2 * member] = end;
  }
}

/**
 * Scans a push body: validates all of it as JSON and lays out what the server
 * reads. `undefined` when its top-level value is not an object. Throws
 * JsonSyntaxError for text JSON.parse would refuse.
 */
export function scanPushBody(b: Buffer, slots?: Int32Array): PushBodyLayout | undefined {
  return scanWords(b, () => scanLayout(b, slots));
}

/**
 * What scanning a body found: its layout, undefined when its top-level value
 * is not an object, or the JsonSyntaxError for text JSON.parse would refuse.
 * As a value rather than a throw, so that a scan done on the scan thread
 * comes back to the event loop in the same shape.
 */
export type PushBodyScan = PushBodyLayout | undefined | InstanceType<typeof JsonSyntaxError>;

/** scanPushBody, its syntax error returned instead of thrown (see PushBodyScan). */
export function tryScanPushBody(b: Buffer, slots?: Int32Array): PushBodyScan {
  try {
    return scanPushBody(b, slots);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error;
    throw error;
  }
}

/** Slots for a layout of up to `elements` events (what PushBodyLayout holds per event). */
export function layoutSlots(elements: number): Int32Array {
  return new Int32Array(SLOTS_PER_EVENT * elements);
}

function scanLayout(b: Buffer, slots?: Int32Array): PushBodyLayout | undefined {
  const layout = new PushBodyLayout(slots);
  let i = skipWhitespace(b, 0);
  if (b[i] !== LBRACE) {
    i = skipWhitespace(b, scanValue(b, i, 0, layout));
    if (i !== b.length) throw new JsonSyntaxError(i);
    return undefined;
  }
  i = skipWhitespace(b, i + 1);
  let seen = 0;
  if (b[i] === RBRACE) {
    i++;
  } else {
    for (;;) {
      const keyEnd = scanString(b, i);
      const member = memberOf(b, i, keyEnd, TOP_LEVEL_MEMBERS, TOP_LEVEL_KEYS);
      const valueStart = afterColon(b, keyEnd);
      seen = noteRepeats(layout, seen, member, TOP_LEVEL_MEMBERS);
      let valueEnd: number;
      if (member === EVENTS) {
        // A repeated key replaces the earlier value, as in JSON.parse.
        layout.eventCount = 0;
        valueEnd = b[valueStart] === LBRACKET ? scanEventsArray(b, valueStart, layout) : scanValue(b, valueStart, 1, layout);
      } else {
        valueEnd = scanValue(b, valueStart, 1, layout);
      }
      if (member >= 0) {
        layout.topLevel[2 * member] = valueStart;
        layout.topLevel[2 * member + 1] = valueEnd;
      }
      i = skipWhitespace(b, valueEnd);
      if (b[i] === COMMA) {
        i = skipWhitespace(b, i + 1);
        continue;
      }
      expectByte(b, i, RBRACE);
      i++;
      break;
    }
  }
  if (skipWhitespace(b, i) !== b.length) throw new JsonSyntaxError(i);
  return layout;
}

/** b[i] is `[`; lays out each element; returns the index after `]`. */
function scanEventsArray(b: Buffer, i: number, layout: PushBodyLayout): number {
  if (layout.depth < 2) layout.depth = 2;
  i = skipWhitespace(b, i + 1);
  if (b[i] === RBRACKET) return i + 1;
  for (;;) {
    if (b[i] === LBRACE) {
      i = scanEventObject(b, i, layout);
    } else {
      layout.addElement(i);
      i = scanValue(b, i, 2, layout);
    }
    i = skipWhitespace(b, i);
    if (b[i] === COMMA) {
      i = skipWhitespace(b, i + 1);
      continue;
    }
    expectByte(b, i, RBRACKET);
    return i + 1;
  }
}

/** b[i] is `{`; records this event's members; returns the index after `}`. */
function scanEventObject(b: Buffer, i: number, layout: PushBodyLayout): number {
  const base = layout.addElement(i);
  if (layout.depth < 3) layout.depth = 3;
  let seen = 0;
  i = skipWhitespace(b, i + 1);
  if (b[i] === RBRACE) return i + 1;
  for (;;) {
    const keyEnd = scanString(b, i);
    const member = memberOf(b, i, keyEnd, EVENT_MEMBERS, EVENT_KEYS);
    const valueStart = afterColon(b, keyEnd);
    const valueEnd = scanValue(b, valueStart, 3, layout);
    if (member >= 0) {
      seen = noteRepeats(layout, seen, member, EVENT_MEMBERS);
      layout.setMember(base, member, valueStart, valueEnd);
    }
    i = skipWhitespace(b, valueEnd);
    if (b[i] === COMMA) {
      i = skipWhitespace(b, i + 1);
      continue;
    }
    expectByte(b, i, RBRACE);
    return i + 1;
  }
}

/** After a key that ends at i: the colon and the whitespace around it; returns where the value starts. */
function afterColon(b: Buffer, i: number): number {
  i = skipWhitespace(b, i);
  expectByte(b, i, COLON);
  return skipWhitespace(b, i + 1);
}

/** Which of `names` the string token b[start, end) (quotes included) means, after unescaping; -1 for none. */
function memberOf(b: Buffer, start: number, end: number, names: readonly string[], nameBytes: readonly Uint8Array[]): number {
  if (hasEscape(b, start, end)) return names.indexOf(JSON.parse(b.toString('utf8', start, end)) as string);
  const length = end - start - 2;
  for (let n = 0; n < nameBytes.length; n++) {
    const name = nameBytes[n];
    if (name.length !== length) continue;
    let k = 0;
    while (k < length && b[start + 1 + k] === name[k]) k++;
    if (k === length) return n;
  }
  return -1;
}

/** Records the first repeated member; `seen` has bit n set once names[n] was met in this object. */
function noteRepeats(layout: PushBodyLayout, seen: number, member: number, names: readonly string[]): number {
  if (member < 0) return seen;
  const bit = 1 << member;
  if (seen & bit && layout.repeatedKey === undefined) layout.repeatedKey = names[member];
  return seen | bit;
}

function bytesOf(name: string): Uint8Array {
  return Uint8Array.from(name, (c) => c.charCodeAt(0));
}

/** The first byte of a value tells what it is. */
export const isStringAt = (b: Buffer, start: number) => start >= 0 && b[start] === QUOTE;
export const isObjectAt = (b: Buffer, start: number) => start >= 0 && b[start] === LBRACE;
