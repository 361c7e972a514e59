import { BadRequestException } from '@nestjs/common';
import type { PushBatch, PushEvent } from '@td-sync/storage';
import { isUtf8 } from 'node:buffer';
import { ByteVocabulary } from './byte-vocabulary';
import * as jsonBytes from './json-bytes';
import { ACTION_TYPES, ENTITY_TYPES } from './event-vocabulary';
import { PushEventFromBytes } from './push-event-from-bytes';
import {
  ACTION_TYPE,
  CLIENT_ACTION_ID,
  CLIENT_TIMESTAMP,
  DEVICE_ID,
  ENTITY_ID,
  ENTITY_TYPE,
  EVENTS,
  isObjectAt,
  isStringAt,
  MAX_PUSH_EVENTS,
  PAYLOAD,
  PushBodyLayout,
  PushBodyScan,
  tryScanPushBody,
  SESSION_ID,
} from './push-body-layout';
import { normalizeRfc3339 } from './rfc3339';


/**
 * The deepest a push body may nest: Go's encoding/json, which td clients (and
 * the reference server) decode with, refuses anything deeper. A pull wraps a
 * payload exactly as deep as a push does, so every stored event stays
 * decodable by every client.
 */
export const MAX_JSON_DEPTH = 10_000;

/**
 * device_id and session_id are copied into every row of the batch, so one
 * huge id in a 10 MiB body would be stored a thousand times. Real ids are a
 * few dozen characters; this bound is generous and keeps a push's rows within
 * a small multiple of its body.
 */
export const MAX_ID_LENGTH = 1024;

/** An RFC 3339 timestamp with nanoseconds and an offset has 35 characters. */
const MAX_TIMESTAMP_LENGTH = 64;

/** NUL (C strings and some SQLite functions stop at it) and lone UTF-16 surrogates (not Unicode: they cannot be stored as UTF-8). */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /[\u0000\p{Cs}]/u;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Bound once rather than read from the module object at each of a push's thousands of uses (see push-body-layout.ts).
const { hasEscape, JsonSyntaxError } = jsonBytes;

const ACTIONS = new ByteVocabulary(ACTION_TYPES);
const ENTITIES = new ByteVocabulary(ENTITY_TYPES);
const BOM = [0xef, 0xbb, 0xbf];
const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * Validates a push body (PROTOCOL.md, Push) and turns it into a batch, or
 * refuses the whole request with a 400 naming the first problem. `body` is the
 * body's bytes as received (the app's body parser hands push its bytes
 * undecoded): one validating pass lays out where each value is spelled (see
 * scanPushBody), and only the values the batch holds are decoded. Payloads
 * and ids are taken as the client spelled them.
 *
 * It answers as JSON.parse and a check of the parsed value would: invalid
 * UTF-8, then invalid JSON, then the rules below in order, the first broken
 * one named. client_action_id must be spelled as a JSON integer (`17`, `-3`;
 * not `17.0` or `1e2`), like the Go reference server's int64 field; any int64
 * is taken, negative ones and those beyond 2^53 included, and one outside
 * int64 is a 400. A missing or null entity_id counts as empty (Go decodes
 * both to "").
 */
export function parsePushRequest(body: unknown): PushBatch {
  const b = pushBodyBytes(body);
  return pushBatchFrom(b, tryScanPushBody(b));
}

/**
 * The text of a push body: its bytes after a UTF-8 byte order mark (skipped,
 * as the UTF-8 decoder of every other route does); a 400 unless they are
 * valid UTF-8. The first step of parsePushRequest.
 */
export function pushBodyBytes(body: unknown): Buffer {
  if (!Buffer.isBuffer(body)) throw invalid('request body must be a JSON object');
  const b = body[0] === BOM[0] && body[1] === BOM[1] && body[2] === BOM[2] ? body.subarray(3) : body;
  if (!isUtf8(b)) throw invalid('request body is not valid UTF-8');
  return b;
}

/**
 * The rest of parsePushRequest: the batch in the body's text `b`, from what
 * scanning it found (there and then, or on the scan thread: see
 * PushRequestParser), with the 400 for the first rule it breaks.
 */
export function pushBatchFrom(b: Buffer, scan: PushBodyScan): PushBatch {
  const layout = layoutOf(b, scan);

  const deviceId = stringMember(b, layout, DEVICE_ID);
  if (deviceId === undefined || deviceId === '') throw invalid('device_id is required');
  const sessionId = stringMember(b, layout, SESSION_ID);
  if (sessionId === undefined || sessionId === '') throw invalid('session_id is required');
  checkIdentifier('device_id', deviceId);
  checkIdentifier('session_id', sessionId);
  const count = b[layout.startOf(EVENTS)] === 0x5b /* [ */ ? layout.eventCount : 0;
  if (count === 0) throw invalid('events must be a non-empty array');
  if (count > MAX_PUSH_EVENTS) throw invalid(`too many events: ${count} (at most ${MAX_PUSH_EVENTS} per push)`);
  if (layout.depth > MAX_JSON_DEPTH) throw invalid(`request body nests deeper than ${MAX_JSON_DEPTH} levels, more than td clients can decode`);
  if (layout.repeatedKey !== undefined) throw invalid(`${layout.repeatedKey} appears twice in one object`);

  const events: PushEvent[] = new Array<PushEvent>(count);
  for (let i = 0; i < count; i++) events[i] = eventAt(b, layout, i);
  return { deviceId, sessionId, events };
}

/** The body's layout; a 400 for a body JSON.parse would refuse or whose top level is no object. */
function layoutOf(b: Buffer, scan: PushBodyScan): PushBodyLayout {
  if (scan instanceof JsonSyntaxError) {
    // A blank body is no body, as on every other route (String.prototype.trim's idea of blank).
    throw invalid(b.toString('utf8').trim() === '' ? 'request body must be a JSON object' : 'request body is not valid JSON');
  }
  if (scan === undefined) throw invalid('request body must be a JSON object');
  return scan;
}

function eventAt(b: Buffer, layout: PushBodyLayout, i: number): PushEvent {
  if (!isObjectAt(b, layout.elementStart(i))) throw invalid(`events[${i}] must be an object`);
  // Each member's start and end read where used: no closure or pair per event and member.
  const clientActionId = exactInteger(b, layout.memberStart(i, CLIENT_ACTION_ID), layout.memberEnd(i, CLIENT_ACTION_ID));
  if (clientActionId === undefined) throw invalid(`events[${i}].client_action_id must be an integer`);
  if (clientActionId === null) throw invalid(`events[${i}].client_action_id is outside the 64-bit integer range`);

  const actionStart = layout.memberStart(i, ACTION_TYPE);
  const actionEnd = layout.memberEnd(i, ACTION_TYPE);
  const actionType = wordAt(b, actionStart, actionEnd, ACTIONS, ACTION_TYPES);
  if (actionType === undefined) {
    throw invalid(`events[${i}].action_type must be one of ${[...ACTION_TYPES].join(', ')} (got ${shown(b, actionStart, actionEnd)})`);
  }
  const entityTypeStart = layout.memberStart(i, ENTITY_TYPE);
  const entityTypeEnd = layout.memberEnd(i, ENTITY_TYPE);
  const entityType = wordAt(b, entityTypeStart, entityTypeEnd, ENTITIES, ENTITY_TYPES);
  if (entityType === undefined) {
    throw invalid(`events[${i}].entity_type must be one of the entity types of the sync protocol, such as issues (got ${shown(b, entityTypeStart, entityTypeEnd)})`);
  }

  const entityIdStart = layout.memberStart(i, ENTITY_ID);
  const entityIdEnd = layout.memberEnd(i, ENTITY_ID);
  let entityId = '';
  if (isStringAt(b, entityIdStart)) {
    entityId = stringAt(b, entityIdStart, entityIdEnd);
    checkIdentifier(`events[${i}].entity_id`, entityId);
  } else if (entityIdStart >= 0 && b[entityIdStart] !== 0x6e /* null */) {
    throw invalid(`events[${i}].entity_id must be a string`);
  }

  const payloadStart = layout.memberStart(i, PAYLOAD);
  const payloadEnd = layout.memberEnd(i, PAYLOAD);
  if (!isObjectAt(b, payloadStart)) throw invalid(`events[${i}].payload must be a JSON object`);

  const timestampStart = layout.memberStart(i, CLIENT_TIMESTAMP);
  const timestampEnd = layout.memberEnd(i, CLIENT_TIMESTAMP);
  const timestamp = isStringAt(b, timestampStart) ? stringAt(b, timestampStart, timestampEnd) : undefined;
  const clientTimestamp = timestamp !== undefined && timestamp.length <= MAX_TIMESTAMP_LENGTH ? normalizeRfc3339(timestamp) : undefined;
  if (clientTimestamp === undefined) {
    throw invalid(`events[${i}].client_timestamp must be an RFC 3339 timestamp such as 2026-01-31T08:15:02.123Z (got ${shown(b, timestampStart, timestampEnd)})`);
  }

  return new PushEventFromBytes(clientActionId, actionType, entityType, entityId, b, payloadStart, payloadEnd, clientTimestamp);
}

/** A top-level member's string value, decoded; undefined when absent or not a string. */
function stringMember(b: Buffer, layout: PushBodyLayout, member: number): string | undefined {
  const start = layout.startOf(member);
  return isStringAt(b, start) ? stringAt(b, start, layout.endOf(member)) : undefined;
}

/** The string token b[start, end) (quotes included), decoded. */
function stringAt(b: Buffer, start: number, end: number): string {
  // An escaped string is rare; let JSON.parse decode it rather than reimplement \u handling.
  return hasEscape(b, start, end) ? (JSON.parse(b.toString('utf8', start, end)) as string) : b.toString('utf8', start + 1, end - 1);
}

/** The word of `words` the value b[start, end) spells; undefined for anything else. */
function wordAt(b: Buffer, start: number, end: number, vocabulary: ByteVocabulary, words: ReadonlySet<string>): string | undefined {
  if (!isStringAt(b, start)) return undefined;
  const word = vocabulary.match(b, start + 1, end - 1);
  if (word !== undefined || !hasEscape(b, start, end)) return word;
  const unescaped = stringAt(b, start, end);
  return words.has(unescaped) ? unescaped : undefined;
}

/**
 * The integer spelled in b[start, end): undefined when it is not a JSON
 * integer (absent, another kind of value, a fraction or an exponent), null
 * when it does not fit in int64; a number while it is a safe integer
 * (-0 read as 0), a bigint beyond.
 */
function exactInteger(b: Buffer, start: number, end: number): number | bigint | null | undefined {
  if (start < 0 || !(b[start] === MINUS || (b[start] >= ZERO && b[start] <= ZERO + 9))) return undefined;
  const negative = b[start] === MINUS;
  const first = negative ? start + 1 : start;
  for (let j = first; j < end; j++) {
    // JSON's grammar leaves only digits, '-', '.', 'e', 'E' and '+' in a number.
    if (b[j] < ZERO || b[j] > ZERO + 9) return undefined;
  }
  if (end - first <= 15) {
    let value = 0;
    for (let j = first; j < end; j++) value = value * 10 + (b[j] - ZERO);
    return negative && value !== 0 ? -value : value;
  }
  const text = b.toString('latin1', start, end);
  const value = Number(text);
  // Every spelling of a value beyond 2^53 - 1 reads as a value that is not a safe integer.
  if (Number.isSafeInteger(value)) return value;
  const exact = BigInt(text);
  return exact < INT64_MIN || exact > INT64_MAX ? null : exact;
}

/** Ids are stored per row and compared as keys: bounded, and free of what cannot be stored faithfully. */
function checkIdentifier(name: string, value: string): void {
  if (value.length > MAX_ID_LENGTH) throw invalid(`${name} is longer than ${MAX_ID_LENGTH} characters`);
  if (UNSTORABLE.test(value)) throw invalid(`${name} contains a NUL character or an unpaired surrogate`);
}

/** A short, safe rendering of the client's value b[start, end) for an error message. */
function shown(b: Buffer, start: number, end: number): string {
  if (start < 0) return 'nothing';
  const value: unknown = JSON.parse(b.toString('utf8', start, end));
  const text = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function invalid(message: string): BadRequestException {
  return new BadRequestException(message);
}
