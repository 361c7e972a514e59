import { connectedTestDatabase } from '@td-sync/testing';
import { BinaryArrayBuilder } from './binary-array-builder';

function textArray(values: string[], expectedBytes = 0): Buffer {
  const builder = BinaryArrayBuilder.text(expectedBytes);
  for (const value of values) builder.addText(value);
  return builder.finish();
}

function int8Array(values: (number | bigint)[]): Buffer {
  const builder = BinaryArrayBuilder.int8(values.length);
  for (const value of values) builder.addInt8(value);
  return builder.finish();
}

/** BinaryArrayBuilder's arrays, sent as binary parameters to a real PostgreSQL and read back. */
describe('BinaryArrayBuilder (real PostgreSQL)', () => {
  const pg = connectedTestDatabase();

  /** Each element as the server holds it: its text, and its exact UTF-8 bytes in hex (what was stored, not what a parser made of it). */
  async function storedTexts(array: Buffer): Promise<{ text: string; hex: string }[]> {
    const { rows } = await pg.client.query<{ text: string; hex: string }>(
      `SELECT t AS text, encode(convert_to(t, 'UTF8'), 'hex') AS hex FROM unnest($1::text[]) WITH ORDINALITY AS a(t, n) ORDER BY n`,
      [array],
    );
    return rows;
  }

  it('stores texts byte for byte: quotes, backslashes, array punctuation, NULL spelled out, empty strings, multi-byte UTF-8', async () => {
    const values = [
      '',
      '"',
      '\\',
      '{"title":"say \\"hi\\"","path":"C:\\\\td"}',
      '{a,b}',
      'NULL',
      ' leading and trailing spaces ',
      'é ü ß',
      '日本語のタスク',
      'emoji 🎉 and 𝄞 (surrogate pairs)',
      '\n\t\r',
      '',
    ];
    const stored = await storedTexts(textArray(values));
    expect(stored.map((row) => row.text)).toEqual(values);
    expect(stored.map((row) => row.hex)).toEqual(values.map((value) => Buffer.from(value, 'utf8').toString('hex')));
  });

  it('stores texts given as UTF-8 bytes exactly as addText stores their strings, growing as it must, mixed with texts', async () => {
    const values = ['', '{"title":"été 日本語 🎉"}', `{"long":"${'ü'.repeat(50_000)}"}`, 'NULL', '{a,b}'];
    const builder = BinaryArrayBuilder.text(4);
    values.forEach((value, i) => (i % 2 === 0 ? builder.addTextBytes(Buffer.from(value, 'utf8')) : builder.addText(value)));
    const stored = await storedTexts(builder.finish());
    expect(stored.map((row) => row.text)).toEqual(values);
    expect(stored.map((row) => row.hex)).toEqual(values.map((value) => Buffer.from(value, 'utf8').toString('hex')));
  });

  it('grows past its first guess, for long texts and for many, exactly', async () => {
    // Multi-byte text several times longer than the buffer sized for it, so
    // both the worst-case room check and the exact measurement are taken.
    const large = `{"body":"${'ü日🎉x"\\'.repeat(200_000)}"}`;
    const many = Array.from({ length: 3000 }, (_, i) => `{"n":${i},"text":"${'é'.repeat(i % 50)}"}`);
    const values = [large, ...many, large];
    const { rows } = await pg.client.query<{ n: number; bytes: number; digest: string }>(
      `SELECT count(*)::int AS n, sum(octet_length(t))::int AS bytes, md5(string_agg(t, '|' ORDER BY i)) AS digest
       FROM unnest($1::text[]) WITH ORDINALITY AS a(t, i)`,
      [textArray(values, 16)],
    );
    const expected = (await pg.client.query<{ digest: string }>(`SELECT md5($1) AS digest`, [values.join('|')])).rows[0].digest;
    expect(rows[0]).toEqual({ n: values.length, bytes: values.reduce((sum, v) => sum + Buffer.byteLength(v), 0), digest: expected });
  });

  it('stores int64 ids exactly, negative ones and those beyond 2^53 included', async () => {
    const values: (number | bigint)[] = [
      0,
      1,
      -1,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 32,
      -(2 ** 32) - 1,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      2n ** 53n + 1n,
      -(2n ** 53n) - 1n,
      9_223_372_036_854_775_807n,
      -9_223_372_036_854_775_808n,
    ];
    const { rows } = await pg.client.query<{ id: string }>(`SELECT v::text AS id FROM unnest($1::bigint[]) WITH ORDINALITY AS a(v, n) ORDER BY n`, [int8Array(values)]);
    expect(rows.map((row) => row.id)).toEqual(values.map(String));
  });

  it('sends an empty array of either type', async () => {
    const { rows } = await pg.client.query<{ texts: number | null; ids: number | null }>(`SELECT cardinality($1::text[]) AS texts, cardinality($2::bigint[]) AS ids`, [
      textArray([]),
      int8Array([]),
    ]);
    expect(rows[0]).toEqual({ texts: 0, ids: 0 });
  });

  it('joins arrays into one, in order, empty ones included', async () => {
    const texts = BinaryArrayBuilder.concat([textArray(['a', 'ü日']), textArray([]), textArray(['']), textArray(['🎉', '"{,}"'])]);
    expect((await storedTexts(texts)).map((row) => row.text)).toEqual(['a', 'ü日', '', '🎉', '"{,}"']);
    const ids = BinaryArrayBuilder.concat([int8Array([1, -1]), int8Array([2n ** 53n + 1n]), int8Array([])]);
    const { rows } = await pg.client.query<{ id: string }>(`SELECT v::text AS id FROM unnest($1::bigint[]) WITH ORDINALITY AS a(v, n) ORDER BY n`, [ids]);
    expect(rows.map((row) => row.id)).toEqual(['1', '-1', '9007199254740993']);
    const none = BinaryArrayBuilder.concat([textArray([]), textArray([])]);
    expect((await pg.client.query<{ n: number }>(`SELECT cardinality($1::text[]) AS n`, [none])).rows[0].n).toBe(0);
  });

  it('is refused by the server, not stored, when a text holds NUL', async () => {
    await expect(storedTexts(textArray(['a\u0000b']))).rejects.toThrow(/invalid byte sequence/);
  });
});
