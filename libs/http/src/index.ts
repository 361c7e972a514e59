/**
 * The HTTP contract every route shares (PROTOCOL.md): error codes, the error
 * body and the protocol exception, @Public, rate-limit tiers with their
 * decorator, guard and store, the request's augmentations (rawBody, user), the
 * clock, and the one JSON scanner. It depends on no other lib of td-sync.
 */
export type { ErrorCode } from './error-code';
export { ProtocolException } from './protocol.exception';
export { errorBody, defaultCodeFor, describeException } from './error-body';
export type { ErrorBody, ErrorDescription } from './error-body';
export { Public, IS_PUBLIC } from './public.decorator';
export type { AuthenticatedUser } from './authenticated-user';
export type {} from './raw-body';
export { CHECKS_OWN_JSON_SHAPE } from './json-shape-route';
export { COMPRESSED_AT_ANY_SIZE } from './compressed-route';
export { Clock } from './clock';
export { ClockModule } from './clock.module';
export {
  jsonShapeProblem,
  skipString,
  skipValue,
  skipContainer,
  skipWhitespace,
  keyAt,
  expectChar,
  QUOTE,
  BACKSLASH,
  COMMA,
  COLON,
  LBRACE,
  RBRACE,
  LBRACKET,
  RBRACKET,
} from './json-scanner';
export type { DepthNote } from './json-scanner';
export { RateLimit, RATE_LIMIT_TIER } from './rate-limit/rate-limit.decorator';
export type { RateLimitTier } from './rate-limit/rate-limit.decorator';
export { RATE_LIMITS } from './rate-limit/rate-limit-options';
export type { RateLimits } from './rate-limit/rate-limit-options';
export { RateLimitModule } from './rate-limit/rate-limit.module';
export { RateLimitGuard, IP_KEYED_TIERS } from './rate-limit/rate-limit.guard';
export { FixedWindowStore } from './rate-limit/fixed-window-store';
