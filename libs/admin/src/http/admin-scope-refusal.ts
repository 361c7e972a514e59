import type { ErrorUse } from '@td-sync/http';

/** What every admin route answers a key without the admin scope. */
export const ADMIN_SCOPE_REFUSAL: ErrorUse = { forbidden: 'the key has no admin scope (only `td-sync keys create --admin` mints one)' };
