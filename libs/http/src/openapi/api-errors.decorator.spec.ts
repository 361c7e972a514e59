import { applyDecorators, Controller, Get, Post } from '@nestjs/common';
import { DECORATORS, type ResponseObject } from '@nestjs/swagger';
import { ApiBearerKey } from './api-bearer-key.decorator';
import { ApiErrors, ApiPageErrors } from './api-errors.decorator';

type Responses = Record<string, ResponseObject & { content: Record<string, { examples?: Record<string, { value: unknown }> }> }>;

function responsesOf(handler: object): Responses {
  return Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) as Responses;
}

/** A decorator that, like @RequireRole, documents errors of its own. */
const GuardedRoute = () => applyDecorators(ApiErrors({ not_found: 'unknown or deleted project' }));

describe('ApiErrors', () => {
  @ApiBearerKey()
  @ApiErrors({ expired: 'the code expired' })
  @Controller('things')
  class ThingsController {
    @Get()
    @ApiErrors({ already_used: 'the code was redeemed' }, 'bad_request')
    @GuardedRoute()
    @ApiErrors({ not_found: 'no such thing' })
    list(): void {}

    @Post()
    create(): void {}

    /** Not a route: left alone. */
    helper(): void {}
  }

  const list = responsesOf(ThingsController.prototype.list);

  it('gathers the codes of a route, its other decorators and its controller into one response per status', () => {
    expect(Object.keys(list).sort()).toEqual(['400', '401', '404', '410', '429']);
    expect(list[404].description).toBe('- `not_found`: no such thing\n- `not_found`: unknown or deleted project');
    expect(list[410].description).toBe('- `already_used`: the code was redeemed\n- `expired`: the code expired');
    expect(Object.keys(list[410].content['application/json'].examples!)).toEqual(['already_used', 'expired']);
  });

  it("uses the protocol's wording for a code named without one, and shows the error body as the example", () => {
    expect(list[400].description).toBe('`bad_request`: malformed JSON, a missing or invalid field, or a bad query parameter');
    expect(list[401].content['application/json'].examples!.unauthorized.value).toEqual({
      error: { code: 'unauthorized', message: 'missing, malformed, unknown, revoked or expired Bearer key' },
      code: 'unauthorized',
      message: 'missing, malformed, unknown, revoked or expired Bearer key',
    });
    expect(list[401].content['application/json']).toMatchObject({ schema: { $ref: '#/components/schemas/ErrorBody' } });
  });

  it('documents Retry-After where the server sends it', () => {
    expect(Object.keys(list[429].headers ?? {})).toEqual(['Retry-After']);
    expect(list[404].headers).toBeUndefined();
  });

  it("gives the controller's errors to every route, and nothing to methods that are not routes", () => {
    expect(Object.keys(responsesOf(ThingsController.prototype.create)).sort()).toEqual(['401', '410', '429']);
    expect(responsesOf(ThingsController.prototype.helper)).toBeUndefined();
  });

  it('documents the pages as HTML for browsers and the error body for other clients', () => {
    @ApiPageErrors('rate_limited')
    @Controller('page')
    class PageController {
      @Get()
      show(): void {}
    }
    const page = responsesOf(PageController.prototype.show)[429];
    expect(Object.keys(page.content)).toEqual(['text/html', 'application/json']);
    expect(page.description).toMatch(/^A browser \(Accept: text\/html\) gets an HTML page/);
  });

  it('refuses a route documented both as a page and as JSON', () => {
    expect(() => {
      @Controller('mixed')
      class MixedController {
        @Get()
        @ApiPageErrors('rate_limited')
        @ApiErrors('bad_request')
        show(): void {}
      }
      return MixedController;
    }).toThrow('either as JSON or as pages');
  });
});
