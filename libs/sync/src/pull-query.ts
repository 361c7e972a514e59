import { BadRequestException } from '@nestjs/common';
import type { EventPageRequest } from '@td-sync/storage';

/** PROTOCOL.md, Pull. */
export const DEFAULT_PULL_LIMIT = 1000;
export const MAX_PULL_LIMIT = 10_000;

const INT64_MAX = 2n ** 63n - 1n;
const UNSIGNED = /^\+?[0-9]+$/;

/** A pull's query, as the page of events it asks storage for. */
export type PullQuery = EventPageRequest;

/**
 * Reads pull's query string: `after_server_seq` (integer >= 0, default 0),
 * `limit` (integer >= 1, default 1000, anything above 10000 served as 10000),
 * `exclude_client`. As in the Go reference server, an empty value means the
 * default and a repeated parameter counts by its first value; a leading `+` is
 * allowed (strconv.ParseInt takes one). An after_server_seq beyond int64 is a
 * 400: no server_seq can be that large.
 */
export function parsePullQuery(query: unknown): PullQuery {
  const params = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const after = first(params.after_server_seq);
  const limit = first(params.limit);
  const exclude = first(params.exclude_client);

  let afterServerSeq: number | bigint = 0;
  if (after !== undefined && after !== '') {
    if (!UNSIGNED.test(after)) throw new BadRequestException('after_server_seq must be an integer >= 0');
    const value = BigInt(after);
    if (value > INT64_MAX) throw new BadRequestException('after_server_seq is out of range');
    afterServerSeq = value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }

  let pageSize = DEFAULT_PULL_LIMIT;
  if (limit !== undefined && limit !== '') {
    if (!UNSIGNED.test(limit)) throw new BadRequestException('limit must be an integer >= 1');
    const value = BigInt(limit);
    if (value < 1n) throw new BadRequestException('limit must be an integer >= 1');
    pageSize = value > BigInt(MAX_PULL_LIMIT) ? MAX_PULL_LIMIT : Number(value);
  }

  return { afterServerSeq, limit: pageSize, excludeDevice: exclude === undefined || exclude === '' ? undefined : exclude };
}

function first(value: unknown): string | undefined {
  const single = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof single === 'string' ? single : undefined;
}
