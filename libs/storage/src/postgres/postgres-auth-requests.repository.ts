import type { PoolClient } from 'pg';
import type { AuthFlow, AuthRequest } from '../records/auth-request';
import { AuthRequestsRepository, EmailAllowance } from '../repositories/auth-requests.repository';
import { EMAIL_THROTTLE_LOCK_CLASS } from './advisory-locks';
import type { PostgresDatabase } from './postgres-database';

const COLUMN_LIST = [
  'id',
  'flow',
  'email',
  'device_code_hash',
  'user_code',
  'link_selector',
  'link_secret_hash',
  'code_challenge',
  'device_name',
  'email_sent',
  'status',
  'user_id',
  'expires_at',
  'verified_at',
  'created_at',
] as const;
const COLUMNS = COLUMN_LIST.join(', ');
const PLACEHOLDERS = COLUMN_LIST.map((_, i) => `$${i + 1}`).join(', ');

const valuesOf = (request: AuthRequest): unknown[] => COLUMN_LIST.map((column) => request[column]);

/**
 * When a request's email went out, for the one-email-per-address-per-minute
 * rule: an email login sends when it is created; a typed-code confirmation
 * when the code is typed, which `verified_at` records for those rows.
 */
const emailSentAt = (table: string) => `CASE ${table}.flow WHEN 'user_code' THEN ${table}.verified_at ELSE ${table}.created_at END`;

/**
 * An email-link request whose `email_sent` is decided in the INSERT itself:
 * sent when an email may go out at all and none went to the address since
 * the given instant. The request's own `email_sent` is not passed.
 */
const EMAIL_SENT = COLUMN_LIST.indexOf('email_sent');
const INSERT_EMAIL_LINK = (() => {
  const placeholder = (i: number) => `$${i < EMAIL_SENT ? i + 1 : i}`;
  const allowed = `$${COLUMN_LIST.length}`;
  const since = `$${COLUMN_LIST.length + 1}`;
  const emailSent = `(${allowed}::boolean AND NOT EXISTS (
      SELECT 1 FROM auth_requests WHERE email = $3 AND email_sent AND ${emailSentAt('auth_requests')} > ${since}))`;
  const values = COLUMN_LIST.map((_, i) => (i === EMAIL_SENT ? emailSent : placeholder(i)));
  return `INSERT INTO auth_requests (${COLUMNS}) VALUES (${values.join(', ')}) RETURNING email_sent`;
})();

/**
 * Device logins in progress. Every state change is one conditional UPDATE,
 * which PostgreSQL applies atomically whichever node sends it: of two nodes
 * racing to verify or claim one request, exactly one sees its row change.
 */
export class PostgresAuthRequestsRepository extends AuthRequestsRepository {
  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  async insert(request: AuthRequest): Promise<void> {
    await this.db.query({ name: 'auth_requests_insert', text: `INSERT INTO auth_requests (${COLUMNS}) VALUES (${PLACEHOLDERS})`, values: valuesOf(request) });
  }

  /**
   * The one-email-per-address-per-minute rule, decided by the database:
   * under READ COMMITTED two concurrent "insert unless one was sent" would
   * both see nothing and both send, so the transaction first takes an
   * advisory lock on the address (lockEmail), as attachConfirmationLink
   * does. The second start (on any node) waits for the first to commit, and
   * its INSERT, a new statement with a new snapshot, then sees the first
   * one's row.
   */
  async insertEmailLink(request: AuthRequest, email: EmailAllowance): Promise<boolean> {
    return this.db.transaction(async (client) => {
      await lockEmail(client, request.email);
      const { rows } = await client.query<{ email_sent: boolean }>({
        name: 'auth_requests_insert_email_link',
        text: INSERT_EMAIL_LINK,
        values: [...valuesOf(request).filter((_, i) => i !== EMAIL_SENT), email.allowed, email.unlessSentAfter],
      });
      return rows[0].email_sent;
    });
  }

  /** Under the address's lock, as insertEmailLink: two submits of the code, on any nodes, send one email. */
  async attachConfirmationLink(id: string, email: string, linkSelector: string, linkSecretHash: string, now: string, unlessSentAfter: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      await lockEmail(client, email);
      const { rowCount } = await client.query({
        name: 'auth_requests_attach_link',
        text: `UPDATE auth_requests SET link_selector = $3, link_secret_hash = $4, email_sent = true, verified_at = $5
               WHERE id = $1 AND flow = 'user_code' AND status = 'pending' AND expires_at > $5
                 AND NOT EXISTS (SELECT 1 FROM auth_requests sent WHERE sent.email = $2 AND sent.email_sent AND ${emailSentAt('sent')} > $6)`,
        values: [id, email, linkSelector, linkSecretHash, now, unlessSentAfter],
      });
      return rowCount === 1;
    });
  }

  async markEmailNotSent(id: string): Promise<void> {
    await this.db.query({ name: 'auth_requests_email_not_sent', text: 'UPDATE auth_requests SET email_sent = false WHERE id = $1', values: [id] });
  }

  async userCodeInUse(userCode: string, now: string): Promise<boolean> {
    const { rows } = await this.db.query<{ in_use: boolean }>({
      name: 'auth_requests_user_code_in_use',
      text: `SELECT EXISTS (SELECT 1 FROM auth_requests WHERE flow = 'user_code' AND user_code = $1 AND expires_at > $2) AS in_use`,
      values: [userCode, now],
    });
    return rows[0].in_use;
  }

  async findByDeviceCodeHash(flow: AuthFlow, deviceCodeHash: string): Promise<AuthRequest | null> {
    const { rows } = await this.db.query<AuthRequest>({
      name: 'auth_requests_by_device_code',
      text: `SELECT ${COLUMNS} FROM auth_requests WHERE flow = $1 AND device_code_hash = $2 LIMIT 1`,
      values: [flow, deviceCodeHash],
    });
    return rows[0] ?? null;
  }

  async findOnlyPendingByUserCode(userCode: string, now: string): Promise<AuthRequest | null> {
    const { rows } = await this.db.query<AuthRequest>({
      name: 'auth_requests_pending_by_user_code',
      text: `SELECT ${COLUMNS} FROM auth_requests WHERE flow = 'user_code' AND user_code = $1 AND status = 'pending' AND expires_at > $2 LIMIT 2`,
      values: [userCode, now],
    });
    return rows.length === 1 ? rows[0] : null;
  }

  async findBySelector(linkSelector: string): Promise<AuthRequest | null> {
    const { rows } = await this.db.query<AuthRequest>({
      name: 'auth_requests_by_selector',
      text: `SELECT ${COLUMNS} FROM auth_requests WHERE link_selector = $1 LIMIT 1`,
      values: [linkSelector],
    });
    return rows[0] ?? null;
  }

  async markVerified(id: string, userId: string, now: string): Promise<boolean> {
    const { rowCount } = await this.db.query({
      name: 'auth_requests_verify',
      text: `UPDATE auth_requests SET status = 'verified', user_id = $1, verified_at = $2 WHERE id = $3 AND status = 'pending' AND expires_at > $2`,
      values: [userId, now, id],
    });
    return rowCount === 1;
  }

  async expirePending(id: string, now: string): Promise<boolean> {
    const { rowCount } = await this.db.query({
      name: 'auth_requests_expire_pending',
      text: `UPDATE auth_requests SET expires_at = $2 WHERE id = $1 AND status = 'pending' AND expires_at > $2`,
      values: [id, now],
    });
    return rowCount === 1;
  }

  async claim(id: string, now: string): Promise<boolean> {
    const { rowCount } = await this.db.query({
      name: 'auth_requests_claim',
      text: `UPDATE auth_requests SET status = 'used' WHERE id = $1 AND status = 'verified' AND expires_at > $2`,
      values: [id, now],
    });
    return rowCount === 1;
  }

  async unclaim(id: string): Promise<void> {
    await this.db.query({ name: 'auth_requests_unclaim', text: `UPDATE auth_requests SET status = 'verified' WHERE id = $1 AND status = 'used'`, values: [id] });
  }

  /**
   * Safe on every node at once: of two concurrent purges, the second skips
   * the rows the first deleted (READ COMMITTED re-checks them), so each
   * expired request is deleted once and nothing else is touched.
   */
  async purgeExpired(now: string): Promise<number> {
    const { rowCount } = await this.db.query({ name: 'auth_requests_purge', text: 'DELETE FROM auth_requests WHERE expires_at <= $1', values: [now] });
    return rowCount ?? 0;
  }
}

/** Until the transaction ends, the only one deciding whether `email` gets an email (see insertEmailLink). */
async function lockEmail(client: PoolClient, email: string): Promise<void> {
  await client.query({ name: 'auth_requests_email_lock', text: 'SELECT pg_advisory_xact_lock($1, hashtext($2))', values: [EMAIL_THROTTLE_LOCK_CLASS, email] });
}
