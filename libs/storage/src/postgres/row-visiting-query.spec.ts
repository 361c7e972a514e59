import { connectedTestDatabase } from '@td-sync/testing';
import type { QueryResult } from 'pg';
import { PostgresDatabase } from './postgres-database';
import { RowFields, RowVisitingQuery } from './row-visiting-query';

/** Statements whose rows are visited as they arrive, on a real PostgreSQL. */
describe('RowVisitingQuery (real PostgreSQL)', () => {
  const pg = connectedTestDatabase();

  function run(text: string, onRow: (fields: RowFields) => void): Promise<QueryResult> {
    return new Promise((resolve, reject) => {
      // Its callback tells of an error; 'end' (after a success only) carries node-postgres's result.
      const query = new RowVisitingQuery({ text }, onRow, (error) => error && reject(error));
      query.on('end', (result: QueryResult) => resolve(result));
      pg.client.query(query);
    });
  }

  it("hands each row's fields over as PostgreSQL's text, in order, and keeps none of them", async () => {
    const seen: RowFields[] = [];
    const result = await run(`SELECT n, n % 2 = 0 AS even, CASE WHEN n = 3 THEN NULL ELSE 'é' || n END AS text FROM generate_series(1, 3000) AS n`, (fields) => seen.push([...fields]));
    expect(seen).toHaveLength(3000);
    expect(seen.slice(0, 3)).toEqual([
      ['1', 'f', 'é1'],
      ['2', 't', 'é2'],
      ['3', 'f', null],
    ]);
    expect(result.rows).toEqual([]);
  });

  it('fails the statement with what the visitor threw, skips its other rows, and leaves the connection usable', async () => {
    let visited = 0;
    const failed = run('SELECT n FROM generate_series(1, 100) AS n', () => {
      visited++;
      if (visited === 10) throw new Error('row 10 refused');
    });
    await expect(failed).rejects.toThrow('row 10 refused');
    expect(visited).toBe(10);
    expect((await pg.client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('runs as a named statement through PostgresDatabase.queryEachRow, prepared once per connection', async () => {
    const db = await PostgresDatabase.open({ url: pg.database.url, poolSize: 1, connectTimeoutMs: 10_000 });
    try {
      for (const upTo of [2, 4]) {
        const seen: RowFields[] = [];
        await db.queryEachRow({ name: 'series_upto', text: 'SELECT n FROM generate_series(1, $1::int) AS n', values: [upTo] }, (fields) => seen.push([...fields]));
        expect(seen.map((fields) => fields[0])).toEqual(Array.from({ length: upTo }, (_, i) => String(i + 1)));
      }
    } finally {
      await db.close();
    }
  });
});
