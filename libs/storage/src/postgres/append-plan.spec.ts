import type { PushEvent } from '../repositories/event-store';
import { planAppend } from './append-plan';

/** A payload as a push body holds it: bytes, whose text a store may ask for (PushEventFromBytes). */
function eventWithBytes(clientActionId: number, payload: string, reads: { text: number }): PushEvent {
  const bytes = Buffer.from(payload, 'utf8');
  return {
    clientActionId,
    actionType: 'create',
    entityType: 'issues',
    entityId: `td-${clientActionId}`,
    clientTimestamp: '2026-01-31T08:15:02Z',
    get payload() {
      reads.text++;
      return payload;
    },
    get payloadBytes() {
      return bytes;
    },
    payloadByteLength: bytes.length,
  };
}

/** The texts of a binary text array (see BinaryArrayBuilder): a 20-byte header, then a length and the bytes of each. */
function textsOf(array: Buffer): string[] {
  const count = array.readInt32BE(12);
  const texts: string[] = [];
  let at = 20;
  for (let i = 0; i < count; i++) {
    const length = array.readInt32BE(at);
    texts.push(array.toString('utf8', at + 4, at + 4 + length));
    at += 4 + length;
  }
  return texts;
}

describe('planAppend', () => {
  it("copies payloads that come as bytes into the payload column without making strings of them, each sent event's once", () => {
    const reads = { text: 0 };
    const payloads = ['{"title":"été"}', `{"long":"${'日本'.repeat(5000)}"}`, '{}'];
    const events = payloads.map((payload, i) => eventWithBytes(i + 1, payload, reads));
    const plan = planAppend({ deviceId: 'd', sessionId: 's', events: [...events, eventWithBytes(1, payloads[0], reads)] });
    expect(textsOf(plan.columns.payloads)).toEqual(payloads);
    expect(plan.sentCount).toBe(3);
    expect(reads.text).toBe(0);
  });

  it('takes a payload given only as text (an import) as its string', () => {
    const event: PushEvent = { clientActionId: 7, actionType: 'create', entityType: 'issues', entityId: 'td-7', payload: '{"ü":1}', clientTimestamp: '2026-01-31T08:15:02Z' };
    expect(textsOf(planAppend({ deviceId: 'd', sessionId: 's', events: [event] }).columns.payloads)).toEqual(['{"ü":1}']);
  });
});
