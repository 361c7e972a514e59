import { BadRequestException } from '@nestjs/common';
import type { PushBatch, PushEvent } from '@td-sync/storage';
import { ACTION_TYPES, ENTITY_TYPES } from './event-vocabulary';
import { findRawEventSpans } from './raw-event-spans';
import { normalizeRfc3339 } from './rfc3339';

/** PROTOCOL.md: at most this many events in one push. */
export const MAX_PUSH_EVENTS = 1000;

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

/**
 * Validates a push body (PROTOCOL.md, Push) and turns it into a batch, or
 * refuses the whole request with a 400 naming the first problem. `body` is what
 * JSON.parse made of `rawBody`; payloads and ids are read from `rawBody`.
 *
 * client_action_id must be spelled as a JSON integer (`17`, `-3`; not `17.0`
 * or `1e2`), like the Go reference server's int64 field; any int64 is taken,
 * negative ones and those beyond 2^53 included, and one outside int64 is a 400.
 * A missing or null entity_id counts as empty (Go decodes both to "").
 */
export function parsePushRequest(body: unknown, rawBody: string | undefined): PushBatch {
  if (!isObject(body) || rawBody === undefined) throw invalid('request body must be a JSON object');
  const { device_id: deviceId, session_id: sessionId, events } = body;
  if (typeof deviceId !== 'string' || deviceId === '') throw invalid('device_id is required');
  if (typeof sessionId !== 'string' || sessionId === '') throw invalid('session_id is required');
  checkIdentifier('device_id', deviceId);
  checkIdentifier('session_id', sessionId);
  if (!Array.isArray(events) || events.length === 0) throw invalid('events must be a non-empty array');
  if (events.length > MAX_PUSH_EVENTS) {
    throw invalid(`too many events: ${events.length} (at most ${MAX_PUSH_EVENTS} per push)`);
  }

  const spans = findRawEventSpans(rawBody);
  if (spans.depth > MAX_JSON_DEPTH) throw invalid(`request body nests deeper than ${MAX_JSON_DEPTH} levels, more than td clients can decode`);
  if (spans.repeatedKey !== undefined) throw invalid(`${spans.repeatedKey} appears twice in one object`);
  if (spans.count !== events.length) throw new Error('raw event scanner disagrees with JSON.parse about the events array');
  const offsets = spans.offsets;

  const batch: PushEvent[] = new Array<PushEvent>(events.length);
  for (let i = 0; i < events.length; i++) {
    const event: unknown = events[i];
    if (!isObject(event)) throw invalid(`events[${i}] must be an object`);
    const clientActionId = exactInteger(rawBody, offsets[4 * i + 2], offsets[4 * i + 3], event.client_action_id);
    if (clientActionId === undefined) throw invalid(`events[${i}].client_action_id must be an integer`);
    if (clientActionId === null) throw invalid(`events[${i}].client_action_id is outside the 64-bit integer range`);
    const { action_type: actionType, entity_type: entityType, entity_id: entityId, payload, client_timestamp: timestamp } = event;
    if (typeof actionType !== 'string' || !ACTION_TYPES.has(actionType)) {
      throw invalid(`events[${i}].action_type must be one of ${[...ACTION_TYPES].join(', ')} (got ${shown(actionType)})`);
    }
    if (typeof entityType !== 'string' || !ENTITY_TYPES.has(entityType)) {
      throw invalid(`events[${i}].entity_type must be one of the entity types of the sync protocol, such as issues (got ${shown(entityType)})`);
    }
    if (entityId !== undefined && entityId !== null && typeof entityId !== 'string') {
      throw invalid(`events[${i}].entity_id must be a string`);
    }
    if (typeof entityId === 'string') checkIdentifier(`events[${i}].entity_id`, entityId);
    if (!isObject(payload)) throw invalid(`events[${i}].payload must be a JSON object`);
    const clientTimestamp = typeof timestamp === 'string' && timestamp.length <= MAX_TIMESTAMP_LENGTH ? normalizeRfc3339(timestamp) : undefined;
    if (clientTimestamp === undefined) {
      throw invalid(`events[${i}].client_timestamp must be an RFC 3339 timestamp such as 2026-01-31T08:15:02.123Z (got ${shown(timestamp)})`);
    }
    batch[i] = {
      clientActionId,
      actionType,
      entityType,
      entityId: entityId ?? '',
      payload: rawBody.slice(offsets[4 * i], offsets[4 * i + 1]),
      clientTimestamp,
    };
  }
  return { deviceId, sessionId, events: batch };
}

/**
 * The integer spelled in text[start, end), given what JSON.parse made of it:
 * undefined when it is not a JSON integer, null when it does not fit in int64.
 */
function exactInteger(text: string, start: number, end: number, parsed: unknown): number | bigint | null | undefined {
  if (typeof parsed !== 'number' || start < 0) return undefined;
  for (let j = start; j < end; j++) {
    const code = text.charCodeAt(j);
    // JSON's grammar leaves only digits, '-', '.', 'e', 'E' and '+' in a number.
    if (code === 46 || code === 101 || code === 69) return undefined;
  }
  // Every spelling of a value beyond 2^53 - 1 parses to a value that is not a safe integer.
  if (Number.isSafeInteger(parsed)) return parsed === 0 ? 0 : parsed;
  const exact = BigInt(text.slice(start, end));
  return exact < INT64_MIN || exact > INT64_MAX ? null : exact;
}

/** Ids are stored per row and compared as keys: bounded, and free of what cannot be stored faithfully. */
function checkIdentifier(name: string, value: string): void {
  if (value.length > MAX_ID_LENGTH) throw invalid(`${name} is longer than ${MAX_ID_LENGTH} characters`);
  if (UNSTORABLE.test(value)) throw invalid(`${name} contains a NUL character or an unpaired surrogate`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, safe rendering of a client value for an error message. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function invalid(message: string): BadRequestException {
  return new BadRequestException(message);
}
