/**
 * PROTOCOL.md: a request body over 10 MiB is refused with 413
 * payload_too_large. Part of the wire contract, so it lives here, where both
 * the app's body parsers and its configuration (the in-flight body budget
 * must hold at least one full body) read it.
 */
export const BODY_LIMIT_BYTES = 10 * 1024 * 1024;
