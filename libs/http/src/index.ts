/**
 * The HTTP contract every route shares (PROTOCOL.md): error codes, the error
 * body and the protocol exception, the body size limit, @Public, rate-limit
 * tiers with their decorator, limiter and store, what is decided before a
 * body is read (route policies, client address keys, the in-flight body
 * budget, the guard that answers a refusal), the request's augmentations
 * (user, admissionRefusal), the clock, the JSON scanners (a shape check of
 * text JSON.parse accepted; a validating scanner of bytes), the request
 * DTOs' class-validator decorators and the pipe's validator (loaded one
 * module at a time), and the
 * decorators that document all of it in the OpenAPI reference. It depends on
 * no other lib of td-sync.
 */
export type { ErrorCode } from './error-code';
export { ProtocolException } from './protocol.exception';
export { errorBody, defaultCodeFor, describeException } from './error-body';
export type { ErrorBody, ErrorDescription } from './error-body';
export { Public, IS_PUBLIC } from './public.decorator';
export type { AuthenticatedUser } from './authenticated-user';
export { READS_OWN_JSON_BODY } from './own-json-body-route';
export { COMPRESSED_AT_ANY_SIZE } from './compressed-route';
export { ANSWERS_WITH_FRESH_BUFFERS } from './fresh-answer-route';
export { BODY_LIMIT_BYTES } from './body-limit';
export { Clock } from './clock';
export { ClockModule } from './clock.module';
export { jsonShapeProblem } from './json-scanner';
export { Equals, IsEmail, IsIn, IsOptional, IsString, ValidateBy, classValidatorPackage } from './validation/validators';
export { RateLimit, RATE_LIMIT_TIER, RATE_LIMIT_TIERS } from './rate-limit/rate-limit.decorator';
export type { RateLimitTier } from './rate-limit/rate-limit.decorator';
export { RATE_LIMITS } from './rate-limit/rate-limit-options';
export type { RateLimits } from './rate-limit/rate-limit-options';
export { RateLimitModule } from './rate-limit/rate-limit.module';
export { RateLimiter, RATE_LIMIT_WINDOW_MS } from './rate-limit/rate-limiter';
export type { RateLimitCount } from './rate-limit/rate-limiter';
export { clientAddressKey } from './client-address';
export { findUnstorableText, isUnstorableText } from './unstorable-text';
export { ROUTE_POLICY, routePolicyOf } from './admission/route-policy';
export type { RoutePolicy } from './admission/route-policy';
export { InflightBodyBudget } from './admission/inflight-body-budget';
export { INFLIGHT_BODY_BYTES, InflightBodyBudgetModule } from './admission/inflight-body-budget.module';
export { AdmissionGuard } from './admission/admission.guard';
export type {} from './admission/admission-refusal';
export type { RateLimitCountersSource } from './rate-limit/rate-limit.module';
export { RATE_LIMIT_COUNTERS } from './rate-limit/window-counters';
export type { WindowCounters, CountedWindow } from './rate-limit/window-counters';
export { FixedWindowStore, windowRecord } from './rate-limit/fixed-window-store';
export { RateLimitMetrics } from './rate-limit/rate-limit-metrics';
export { RateLimitMetricsModule } from './rate-limit/rate-limit-metrics.module';
export { ApiErrors, ApiPageErrors } from './openapi/api-errors.decorator';
export type { ErrorUse } from './openapi/api-errors.decorator';
export { ApiBearerKey, BEARER_KEY_SCHEME } from './openapi/api-bearer-key.decorator';
export { ApiHtmlPage } from './openapi/api-html-page.decorator';
export { API_TAGS } from './openapi/api-tags';
export { ErrorBodyDto } from './openapi/error-body.dto';
export { errorResponses } from './openapi/error-responses';
export type { ErrorAnswerKind, ErrorCauses } from './openapi/error-responses';
export { ERROR_STATUSES, ERROR_CODES } from './openapi/error-statuses';
export type { ErrorStatus } from './openapi/error-statuses';
