/** The request bodies the load driver sends: realistic td events, serialised once. */

/**
 * Words for the text fields. Every event's text differs, as real issues do:
 * with one text repeated, a pull page compresses about 45 times instead of
 * the 4–6 times real pages do, and gzip's cost and gain would be misjudged.
 */
const WORDS = (
  'sync client server restart reconnect push pull batch retry session device project issue board epic task bug ' +
  'feature review comment label status priority points parent child blocked ready done open closed note log ' +
  'the a of to in for with on when after before while because so but and or not only every each some all ' +
  'fails works breaks hangs crashes returns sends keeps drops loses skips shows hides opens closes writes reads ' +
  'slow fast stale fresh empty full large small first last next previous same other new old wrong right ' +
  'timeout cursor sequence conflict merge branch commit migration schema index query cache token key email login ' +
  'terminal config file path flag option default limit page offset window queue worker thread lock'
).split(' ');
const STATUSES = ['open', 'in_progress', 'blocked', 'in_review', 'closed'];
const TYPES = ['bug', 'feature', 'task', 'epic', 'chore'];

/** A deterministic pseudo-random sequence (mulberry32) per event, so runs are comparable. */
function randomFor(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** About 650 bytes: the {schema_version, new_data, previous_data} envelope of an `issues` row. */
export function issueEvent(n) {
  const random = randomFor(n * 7919);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const words = (min, max) => Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => pick(WORDS)).join(' ');
  const time = (base) => new Date(Date.UTC(2026, 10, 1) + base + Math.floor(random() * 20 * 86_400_000)).toISOString();
  const id = `td-${n.toString(36).padStart(6, '0')}`;
  const created = time(0);
  const row = {
    id,
    title: `${words(4, 9)} (${n})`,
    description: `${words(8, 22)}.`,
    status: pick(STATUSES),
    type: pick(TYPES),
    priority: `P${Math.floor(random() * 4)}`,
    points: 1 + Math.floor(random() * 8),
    labels: `${pick(WORDS)},${pick(WORDS)}`,
    parent_id: random() < 0.5 ? '' : `td-${Math.floor(random() * n).toString(36).padStart(6, '0')}`,
    acceptance: words(3, 8),
    implementer_session: `ses-${Math.floor(random() * 0xffff).toString(16).padStart(4, '0')}`,
    created_at: created,
    updated_at: time(20 * 86_400_000),
  };
  return {
    client_action_id: n,
    action_type: 'update',
    entity_type: 'issues',
    entity_id: id,
    payload: { schema_version: 3, new_data: row, previous_data: { ...row, status: pick(STATUSES), updated_at: created } },
    client_timestamp: row.updated_at,
  };
}

/**
 * The `events` arrays are serialised once: a push is unique by
 * (device_id, session_id, client_action_id), so every request gets a fresh
 * session id instead of fresh events, and the load generator spends its CPU
 * on sending, not on JSON.stringify.
 */
const eventsJson = new Map();
let session = 0;
export function pushBody(device, count) {
  if (!eventsJson.has(count)) eventsJson.set(count, JSON.stringify(Array.from({ length: count }, (_, i) => issueEvent(i + 1))));
  return `{"device_id":${JSON.stringify(device)},"session_id":"bench-${++session}","events":${eventsJson.get(count)}}`;
}
