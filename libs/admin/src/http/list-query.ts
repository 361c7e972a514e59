import { BadRequestException } from '@nestjs/common';
import { decodeCursor, encodeCursor } from '../page-cursor';

/** The reference server's page sizes: 50 unless asked, never more than 200. */
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

/** `?q=&limit=&cursor=` of an admin listing, checked. */
export interface ListQuery {
  q: string | undefined;
  limit: number;
  afterId: string | undefined;
}

/** A whole list in the reference server's envelope. */
export interface ListOf<T> {
  data: T[];
}

/** A listing page in the reference server's shape. */
export interface Page<T> {
  data: T[];
  /** Present while `has_more`. */
  next_cursor?: string;
  has_more: boolean;
}

export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const q = single(query, 'q');
  const limitText = single(query, 'limit');
  const cursor = single(query, 'cursor');
  let limit = DEFAULT_LIMIT;
  if (limitText !== undefined && limitText !== '') {
    if (!/^\d{1,9}$/.test(limitText) || Number(limitText) < 1) throw new BadRequestException('limit must be a whole number from 1 (at most 200 are returned)');
    limit = Math.min(Number(limitText), MAX_LIMIT);
  }
  let afterId: string | undefined;
  if (cursor !== undefined && cursor !== '') {
    afterId = decodeCursor(cursor);
    if (afterId === undefined) throw new BadRequestException('invalid cursor: pass the next_cursor of the previous page');
  }
  return { q: q === '' ? undefined : q, limit, afterId };
}

/** A page from `limit + 1` rows in id order: the extra row only says that more follow. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  if (rows.length <= limit) return { data: rows, has_more: false };
  const data = rows.slice(0, limit);
  return { data, next_cursor: encodeCursor(data[data.length - 1].id), has_more: true };
}

/** A repeated parameter is a mistake worth a 400, not a silent pick. */
export function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new BadRequestException(`${name} must be given once`);
}
