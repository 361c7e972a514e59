import { BadRequestException } from '@nestjs/common';
import { parsePullQuery } from './pull-query';

describe('parsePullQuery', () => {
  it('defaults to after_server_seq 0, limit 1000 and no exclusion', () => {
    expect(parsePullQuery({})).toEqual({ afterServerSeq: 0, limit: 1000, excludeDevice: undefined });
    expect(parsePullQuery(undefined)).toEqual({ afterServerSeq: 0, limit: 1000, excludeDevice: undefined });
    expect(parsePullQuery({ after_server_seq: '', limit: '', exclude_client: '' })).toEqual({
      afterServerSeq: 0,
      limit: 1000,
      excludeDevice: undefined,
    });
  });

  it('reads the three parameters', () => {
    expect(parsePullQuery({ after_server_seq: '42', limit: '7', exclude_client: 'dev-1' })).toEqual({
      afterServerSeq: 42,
      limit: 7,
      excludeDevice: 'dev-1',
    });
    expect(parsePullQuery({ after_server_seq: '+5', limit: '007' })).toMatchObject({ afterServerSeq: 5, limit: 7 });
  });

  it('serves any limit above 10000 as 10000', () => {
    expect(parsePullQuery({ limit: '10000' }).limit).toBe(10000);
    expect(parsePullQuery({ limit: '10001' }).limit).toBe(10000);
    expect(parsePullQuery({ limit: '99999999999999999999999' }).limit).toBe(10000);
  });

  it('keeps a huge after_server_seq exact and refuses one beyond int64', () => {
    expect(parsePullQuery({ after_server_seq: '9007199254740991' }).afterServerSeq).toBe(9007199254740991);
    expect(parsePullQuery({ after_server_seq: '9223372036854775807' }).afterServerSeq).toBe(9223372036854775807n);
    expect(() => parsePullQuery({ after_server_seq: '9223372036854775808' })).toThrow(BadRequestException);
  });

  it('takes the first of repeated parameters', () => {
    expect(parsePullQuery({ limit: ['3', 'x'], exclude_client: ['a', 'b'] })).toMatchObject({ limit: 3, excludeDevice: 'a' });
  });

  it.each([
    { after_server_seq: '-1' },
    { after_server_seq: '1.5' },
    { after_server_seq: 'abc' },
    { after_server_seq: '1e3' },
    { after_server_seq: ' 1' },
    { after_server_seq: '0x10' },
    { limit: '0' },
    { limit: '-5' },
    { limit: '2.5' },
    { limit: 'ten' },
    { limit: '+' },
  ])('refuses %j with a 400', (query) => {
    expect(() => parsePullQuery(query)).toThrow(BadRequestException);
  });
});
