import { PageFromRows } from './page-from-rows';
import type { RowFields } from './row-visiting-query';

/** A row of td_sync_page as PostgreSQL's text: live, role, server_seq, stop, event_json. */
function row(seq: number | null, json: string | null, stop: 't' | 'f' | null = 'f', live = 't', role: string | null = 'owner'): RowFields {
  return [live, role, seq === null ? null : String(seq), stop, json];
}

function pageOf(limit: number, rows: RowFields[]) {
  const page = new PageFromRows(limit);
  for (const fields of rows) page.add(fields);
  return { facts: page.accessFacts(), ...page.finish() };
}

describe('PageFromRows', () => {
  it('joins the events of the rows with commas, as one Buffer of the page size, with the last seq', () => {
    const page = pageOf(10, [row(1, '{"a":1}'), row(2, '{"b":"été"}'), row(3, '{"c":3}')]);
    expect(page.eventsJson.toString()).toBe('{"a":1},{"b":"été"},{"c":3}');
    expect(page.eventsJson.length).toBe(Buffer.byteLength('{"a":1},{"b":"été"},{"c":3}'));
    expect({ count: page.count, lastServerSeq: page.lastServerSeq, hasMore: page.hasMore }).toEqual({ count: 3, lastServerSeq: 3, hasMore: false });
    expect(page.facts).toEqual([{ live: true, role: 'owner' }]);
  });

  it('stops at the limit: the row past it only says there is more', () => {
    const page = pageOf(2, [row(1, '{}'), row(2, '{}'), row(3, '{}')]);
    expect({ json: page.eventsJson.toString(), count: page.count, lastServerSeq: page.lastServerSeq, hasMore: page.hasMore }).toEqual({
      json: '{},{}',
      count: 2,
      lastServerSeq: 2,
      hasMore: true,
    });
  });

  it('stops at a stop marker or an event past the byte budget, with has_more', () => {
    expect(pageOf(10, [row(1, '{}'), row(2, '{}', 't'), row(3, '{}')])).toMatchObject({ count: 1, lastServerSeq: 1, hasMore: true });
    expect(pageOf(10, [row(1, '{}'), row(2, null)])).toMatchObject({ count: 1, lastServerSeq: 1, hasMore: true });
  });

  it('reads the facts alone from a row without an event, and from no row none', () => {
    const empty = pageOf(10, [row(null, null, null, 'f', null)]);
    expect({ facts: empty.facts, count: empty.count, bytes: empty.eventsJson.length, lastServerSeq: empty.lastServerSeq, hasMore: empty.hasMore }).toEqual({
      facts: [{ live: false, role: null }],
      count: 0,
      bytes: 0,
      lastServerSeq: undefined,
      hasMore: false,
    });
    expect(pageOf(10, []).facts).toEqual([]);
  });

  it('keeps every byte across chunks, an event larger than a chunk included', () => {
    const events = Array.from({ length: 1000 }, (_, i) => `{"n":${i},"t":"${i % 7 === 0 ? 'ü'.repeat(400) : 'x'.repeat(700)}"}`);
    events[500] = `{"big":"${'y'.repeat(600 * 1024)}"}`;
    const page = pageOf(1000, events.map((json, i) => row(i + 1, json)));
    expect(page.eventsJson.toString()).toBe(events.join(','));
    expect(page.count).toBe(1000);
    expect(page.lastServerSeq).toBe(1000);
  });
});
