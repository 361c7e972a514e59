import { releaseBufferMemory } from '@td-sync/memory';
import type { ProjectRole } from '../records/membership';
import type { EventPage } from '../repositories/event-store';
import type { AccessFactsRow } from './postgres-memberships.repository';
import type { RowFields } from './row-visiting-query';

const COMMA = 0x2c;

/** Rows' event texts are written into chunks of this size (a longer event gets a chunk of its own). */
const CHUNK_BYTES = 256 * 1024;

/**
 * A pull page made from td_sync_page's rows (live, role, server_seq, stop,
 * event_json) one at a time, as they arrive (PostgresDatabase.queryEachRow):
 * the caller's access facts from the first row, then each event's JSON text
 * encoded once, straight into bytes, until `limit` events or a stop marker,
 * which sets has_more. No row is kept: each row's strings die young, and
 * only the bytes written so far live on across the turns of the event loop
 * a page takes to arrive. `finish` joins them into one Buffer of the
 * page's size, as SQLite's pages come, and hands the chunks back.
 */
export class PageFromRows {
  private facts: AccessFactsRow | undefined;
  private ended = false;
  private count = 0;
  private hasMore = false;
  private lastServerSeq: string | undefined;
  /** Filled chunks and how much of each is used; the last is being filled. */
  private readonly chunks: Buffer[] = [];
  private readonly used: number[] = [];
  private bytes = 0;

  constructor(private readonly limit: number) {}

  /** td_sync_page's rows, in order. */
  add(fields: RowFields): void {
    this.facts ??= { live: fields[0] === 't', role: fields[1] as ProjectRole | null };
    if (this.ended) return;
    const serverSeq = fields[2];
    const json = fields[4];
    if (serverSeq === null) {
      this.ended = true; // the facts alone: no events
      return;
    }
    if (this.count === this.limit || fields[3] === 't' || json === null) {
      this.hasMore = true;
      this.ended = true;
      return;
    }
    this.write(json, this.count > 0);
    this.count++;
    this.lastServerSeq = serverSeq;
  }

  /** The caller's access facts, for applyDecision: none if the statement returned no row. */
  accessFacts(): AccessFactsRow[] {
    return this.facts ? [this.facts] : [];
  }

  finish(): EventPage {
    const eventsJson = Buffer.allocUnsafe(this.bytes);
    let at = 0;
    this.chunks.forEach((chunk, i) => {
      at += chunk.copy(eventsJson, at, 0, this.used[i]);
      releaseBufferMemory(chunk); // copied; it lived across the page's turns, likely long enough to be promoted
    });
    this.chunks.length = 0;
    return { eventsJson, count: this.count, lastServerSeq: this.lastServerSeq === undefined ? undefined : Number(this.lastServerSeq), hasMore: this.hasMore };
  }

  private write(json: string, comma: boolean): void {
    const length = Buffer.byteLength(json) + (comma ? 1 : 0);
    let last = this.chunks.length - 1;
    if (last < 0 || this.chunks[last].length - this.used[last] < length) {
      this.chunks.push(Buffer.allocUnsafe(Math.max(CHUNK_BYTES, length)));
      this.used.push(0);
      last++;
    }
    const chunk = this.chunks[last];
    let at = this.used[last];
    if (comma) chunk[at++] = COMMA;
    this.used[last] = at + chunk.write(json, at);
    this.bytes += length;
  }
}
