import { BadRequestException, GoneException, HttpException, HttpStatus, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { describeException, errorBody } from './error-body';
import { ProtocolException } from './protocol.exception';

describe('errorBody', () => {
  it('carries code and message twice: nested for the reference shape, at the top for td clients', () => {
    expect(errorBody('forbidden', 'requires writer role')).toEqual({
      error: { code: 'forbidden', message: 'requires writer role' },
      code: 'forbidden',
      message: 'requires writer role',
    });
  });
});

describe('describeException', () => {
  it('keeps the status, code and message of a ProtocolException', () => {
    expect(describeException(new ProtocolException(HttpStatus.GONE, 'already_used', 'used'))).toEqual({ status: 410, code: 'already_used', message: 'used' });
  });

  it('keeps a code thrown as part of a response object, as older code throws it', () => {
    expect(describeException(new GoneException({ code: 'expired', message: 'late' }))).toEqual({ status: 410, code: 'expired', message: 'late' });
  });

  it('names the code by the status when the thrower named none', () => {
    expect(describeException(new NotFoundException('project not found'))).toEqual({ status: 404, code: 'not_found', message: 'project not found' });
    expect(describeException(new BadRequestException(['a is wrong', 'b is wrong']))).toMatchObject({ code: 'bad_request', message: 'a is wrong; b is wrong' });
    expect(describeException(new HttpException('teapot', 418))).toEqual({ status: 418, code: 'bad_request', message: 'teapot' });
  });

  it('answers anything unexpected with a generic 500, never its message', () => {
    expect(describeException(new Error('SQLITE_CORRUPT: /data/server.db'))).toEqual({ status: 500, code: 'internal_error', message: 'internal server error' });
    expect(describeException(new HttpException('upstream said /etc/passwd', 502))).toEqual({ status: 502, code: 'internal_error', message: 'internal server error' });
  });

  it('keeps the message of a 503, which tells the client to retry', () => {
    expect(describeException(new ServiceUnavailableException('draining'))).toMatchObject({ status: 503, code: 'unavailable', message: 'draining' });
  });
});
