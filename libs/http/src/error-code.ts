/**
 * Every `code` an error body may carry (PROTOCOL.md, Errors). Clients decode
 * these exact spellings, so a new one is a protocol change: add it here first.
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'invalid_verifier'
  | 'forbidden'
  | 'signup_disabled'
  | 'not_found'
  | 'conflict'
  | 'expired'
  | 'already_used'
  | 'endpoint_disabled'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal_error'
  | 'unavailable';
