/**
 * PostgreSQL advisory locks of td-sync: two-key locks whose first key is
 * td-sync's own ('tdsy' plus the purpose), so that they cannot collide with
 * another application's locks on a shared database.
 */
const TD_SYNC = 0x74647379;

/** Held (session level) while one node migrates; the others wait, then find nothing to do. */
export const MIGRATION_LOCK: readonly [number, number] = [TD_SYNC, 1];

/** With hashtext(email) as second key: one email-link start per address at a time (the one-email-a-minute rule). */
export const EMAIL_THROTTLE_LOCK_CLASS = TD_SYNC + 1;
