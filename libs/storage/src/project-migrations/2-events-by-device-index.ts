import type { ProjectSchemaStep } from './project-schema-step';

/**
 * Events by device, in server_seq order: what lets a pull with
 * `exclude_client` skip the excluded device's events instead of reading them.
 *
 * `WHERE server_seq > ? AND device_id <> ?` walks the table in server_seq
 * order and reads every excluded row on the way; a client that pulls right
 * after its own pushes finds nothing but its own events and rereads the whole
 * growing tail on every pull. This index serves the pull page below instead,
 * which reads, for each other device, at most `:rows` index entries after the
 * cursor (found by skipping from one device_id to the next, never by reading
 * the excluded device's entries), keeps the `:rows` lowest server_seqs of all
 * of them, and only then reads those rows. `:rows` is the page limit plus the
 * one extra row that tells whether more remain. Its plan has no SCAN of
 * `events`, only SEARCHes of this index and rowid look-ups
 * (project-schema.spec.ts holds that):
 *
 *   WITH RECURSIVE device(id) AS (
 *     SELECT (SELECT min(device_id) FROM events)
 *     UNION ALL
 *     SELECT (SELECT min(device_id) FROM events WHERE device_id > device.id) FROM device WHERE device.id IS NOT NULL
 *   ),
 *   page(server_seq) AS (
 *     SELECT e.server_seq FROM device JOIN events e ON e.device_id = device.id
 *     WHERE device.id <> :exclude AND e.server_seq > :after
 *       AND e.server_seq <= coalesce(
 *         (SELECT s.server_seq FROM events s WHERE s.device_id = device.id AND s.server_seq > :after
 *          ORDER BY s.server_seq LIMIT 1 OFFSET :rows - 1),
 *         9223372036854775807)
 *     ORDER BY e.server_seq LIMIT :rows
 *   )
 *   SELECT events.server_seq, <the event's JSON> FROM page CROSS JOIN events ON events.server_seq = page.server_seq
 *   ORDER BY page.server_seq
 *
 * (CROSS JOIN keeps SQLite from scanning `events` and probing `page`.) It
 * costs up to twice `:rows` index entries per other device, so a pull without
 * `exclude_client`, or one whose excluded device has nothing after the cursor,
 * is cheaper with the plain `WHERE server_seq > ? ORDER BY server_seq`.
 */
export const EVENTS_BY_DEVICE_INDEX: ProjectSchemaStep = {
  version: 2,
  description: 'index of events by device and server_seq',
  sql: `CREATE INDEX events_by_device ON events (device_id, server_seq)`,
};
