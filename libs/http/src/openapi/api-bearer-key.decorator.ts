import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiErrors } from './api-errors.decorator';

/** The name of the document's security scheme for `Authorization: Bearer <API key>`. */
export const BEARER_KEY_SCHEME = 'api-key';

/**
 * Documents a controller (or route) that needs an API key, which is every one
 * without @Public(): the security scheme, and the 401 and 429 the Bearer
 * check and the per-key rate limit answer before anything else runs.
 */
export function ApiBearerKey(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiBearerAuth(BEARER_KEY_SCHEME), ApiErrors('unauthorized', 'rate_limited'));
}
