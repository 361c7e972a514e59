/** PROTOCOL.md: bodies over 10 MiB are refused with 413. */
export const BODY_LIMIT_BYTES = 10 * 1024 * 1024;
