/** PROTOCOL.md: a login request lives 15 minutes; clients poll every 5 seconds. */
export const LOGIN_TTL_MS = 15 * 60 * 1000;
export const POLL_INTERVAL_SECONDS = 5;
/** At most one approval email per address in this window. */
export const EMAIL_RESEND_INTERVAL_MS = 60 * 1000;
/** How often the cleanup job purges expired login requests. */
export const CLEANUP_INTERVAL_MS = 5 * 60 * 1000;
