import { decodeCursor, encodeCursor } from './page-cursor';

describe('admin listing cursors', () => {
  it('round-trips an id', () => {
    expect(decodeCursor(encodeCursor('u_00000000000000ab'))).toBe('u_00000000000000ab');
  });

  it("spells a cursor as the reference server does (Go's padded URL-safe base64 of {\"value\": id})", () => {
    // base64.URLEncoding.EncodeToString([]byte(`{"value":"p_1"}`)) in Go.
    expect(encodeCursor('p_1')).toBe('eyJ2YWx1ZSI6InBfMSJ9');
    expect(encodeCursor('u_1a')).toBe('eyJ2YWx1ZSI6InVfMWEifQ==');
    expect(decodeCursor('eyJ2YWx1ZSI6InVfMWEifQ==')).toBe('u_1a');
    expect(decodeCursor('eyJ2YWx1ZSI6InVfMWEifQ')).toBe('u_1a');
  });

  it.each(['', 'not base64!', Buffer.from('[1]').toString('base64url'), Buffer.from('{"value":""}').toString('base64url'), Buffer.from('{"value":7}').toString('base64url'), Buffer.from('nope').toString('base64url')])(
    'refuses %j',
    (cursor) => {
      expect(decodeCursor(cursor)).toBeUndefined();
    },
  );
});
