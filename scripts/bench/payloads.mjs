/** The request bodies the load driver sends: realistic td events, serialised once. */

/** About 650 bytes: the {schema_version, new_data, previous_data} envelope of an `issues` row. */
export function issueEvent(n) {
  const id = `td-${n.toString(36).padStart(6, '0')}`;
  const row = {
    id,
    title: `Fix flaky reconnect in sync client when the server restarts (${n})`,
    description: 'Reconnects after a server restart sometimes double-push the last batch.',
    status: 'in_progress',
    type: 'bug',
    priority: 'P1',
    points: 3,
    labels: 'sync,client',
    parent_id: '',
    acceptance: 'No duplicate pushes after restart',
    implementer_session: 'ses-4f2a',
    created_at: '2026-11-20T09:12:44Z',
    updated_at: '2026-11-25T14:03:10.512Z',
  };
  return {
    client_action_id: n,
    action_type: 'update',
    entity_type: 'issues',
    entity_id: id,
    payload: { schema_version: 3, new_data: row, previous_data: { ...row, status: 'open', updated_at: '2026-11-24T17:45:01Z' } },
    client_timestamp: '2026-11-25T14:03:10.512Z',
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
