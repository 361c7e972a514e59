import { Writable } from 'node:stream';
import pino from 'pino';
import { QueryFailedError } from 'typeorm';
import { SyncConfig } from './config/sync-config';
import { loggerParams } from './logging';
import { serializeError } from './logged-error';

/** A failed INSERT as TypeORM reports it: the SQL, its parameters, and the driver's error. */
function failedInsert(): QueryFailedError {
  const driverError = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
    code: '23505',
    detail: 'Key (email)=(secret.person@example.com) already exists.',
    parameters: ['secret.person@example.com'],
  });
  return new QueryFailedError('INSERT INTO users (id, email) VALUES ($1, $2)', ['u_1', 'secret.person@example.com'], driverError);
}

describe('serializeError', () => {
  it('keeps what failed (type, message, SQL, code, stack) and drops the values, at every depth', () => {
    const serialized = serializeError(failedInsert()) as Record<string, unknown>;
    expect(serialized).toMatchObject({ type: 'QueryFailedError', query: 'INSERT INTO users (id, email) VALUES ($1, $2)' });
    expect(typeof serialized.stack).toBe('string');
    expect(serialized.driverError).toMatchObject({ code: '23505' });
    expect(JSON.stringify(serialized)).not.toContain('secret.person');
  });

  it('drops values from causes too', () => {
    const wrapped = new Error('creating the user failed', { cause: failedInsert() });
    expect(JSON.stringify(serializeError(wrapped))).not.toContain('secret.person');
  });

  it('passes anything that is not an object through', () => {
    expect(serializeError('text')).toBe('text');
    expect(serializeError(undefined)).toBeUndefined();
  });
});

describe('the application logger', () => {
  it('writes errors through serializeError, so a logged query failure carries no parameters', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const options = loggerParams(SyncConfig.fromEnv({})).pinoHttp as pino.LoggerOptions;
    pino(options, sink).error({ err: failedInsert() }, 'request failed');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ err: { type: 'QueryFailedError' } });
    expect(lines[0]).not.toContain('secret.person');
  });
});
