import type { Database, Statement } from 'better-sqlite3';
import type { AuthFlow, AuthRequest } from '../records/auth-request';
import { AuthRequestsRepository, EmailAllowance } from '../repositories/auth-requests.repository';

const COLUMNS =
  'id, flow, email, device_code_hash, user_code, link_selector, link_secret_hash, code_challenge, device_name, email_sent, status, user_id, expires_at, verified_at, created_at';

/**
 * When a request's email went out, for the one-email-per-address-per-minute
 * rule: an email login sends when it is created; a typed-code confirmation when
 * the code is typed, which `verified_at` records for those rows.
 */
function emailSentAt(table: string): string {
  return `CASE ${table}.flow WHEN 'user_code' THEN ${table}.verified_at ELSE ${table}.created_at END`;
}

/** SQLite has no boolean: `email_sent` is stored as 0 or 1. */
type AuthRequestRow = Omit<AuthRequest, 'email_sent'> & { email_sent: number };

export class SqliteAuthRequestsRepository extends AuthRequestsRepository {
  private readonly insertRequest: Statement<[AuthRequestRow]>;
  private readonly insertEmailLinkRequest: Statement<[AuthRequestRow & { allowed: number; unless_sent_after: string }], number>;
  private readonly attachLink: Statement<{ id: string; email: string; link_selector: string; link_secret_hash: string; now: string; unless_sent_after: string }>;
  private readonly clearEmailSent: Statement<[string]>;
  private readonly liveUserCode: Statement<[string, string], number>;
  private readonly byDeviceCodeHash: Statement<[AuthFlow, string], AuthRequestRow>;
  private readonly pendingByUserCode: Statement<[string, string], AuthRequestRow>;
  private readonly bySelector: Statement<[string], AuthRequestRow>;
  private readonly verify: Statement<[string, string, string, string]>;
  private readonly expire: Statement<{ id: string; now: string }>;
  private readonly use: Statement<[string, string]>;
  private readonly unuse: Statement<[string]>;
  private readonly purge: Statement<[string]>;

  constructor(db: Database) {
    super();
    const values = COLUMNS.split(', ').map((column) => `@${column}`);
    this.insertRequest = db.prepare(`INSERT INTO auth_requests (${COLUMNS}) VALUES (${values.join(', ')})`);
    // The "one email per address per minute" check and the insert are one
    // statement, so two simultaneous starts cannot both decide to send.
    const emailSent = `CASE WHEN @allowed = 1 AND NOT EXISTS (
        SELECT 1 FROM auth_requests
        WHERE email = @email AND email_sent = 1 AND ${emailSentAt('auth_requests')} > @unless_sent_after) THEN 1 ELSE 0 END`;
    this.insertEmailLinkRequest = db
      .prepare<[AuthRequestRow & { allowed: number; unless_sent_after: string }], number>(`INSERT INTO auth_requests (${COLUMNS}) SELECT ${values.map((v) => (v === '@email_sent' ? emailSent : v)).join(', ')} RETURNING email_sent`)
      .pluck();
    this.attachLink = db.prepare(
      `UPDATE auth_requests SET link_selector = @link_selector, link_secret_hash = @link_secret_hash, email_sent = 1, verified_at = @now
       WHERE id = @id AND flow = 'user_code' AND status = 'pending' AND expires_at > @now
         AND NOT EXISTS (SELECT 1 FROM auth_requests sent WHERE sent.email = @email AND sent.email_sent = 1 AND ${emailSentAt('sent')} > @unless_sent_after)`,
    );
    this.clearEmailSent = db.prepare('UPDATE auth_requests SET email_sent = 0 WHERE id = ?');
    this.liveUserCode = db
      .prepare<[string, string], number>(`SELECT EXISTS (SELECT 1 FROM auth_requests WHERE flow = 'user_code' AND user_code = ? AND expires_at > ?)`)
      .pluck();
    this.byDeviceCodeHash = db.prepare(`SELECT ${COLUMNS} FROM auth_requests WHERE flow = ? AND device_code_hash = ? LIMIT 1`);
    this.pendingByUserCode = db.prepare(
      `SELECT ${COLUMNS} FROM auth_requests WHERE flow = 'user_code' AND user_code = ? AND status = 'pending' AND expires_at > ? LIMIT 2`,
    );
    this.bySelector = db.prepare(`SELECT ${COLUMNS} FROM auth_requests WHERE link_selector = ? LIMIT 1`);
    this.verify = db.prepare(
      `UPDATE auth_requests SET status = 'verified', user_id = ?, verified_at = ? WHERE id = ? AND status = 'pending' AND expires_at > ?`,
    );
    this.expire = db.prepare(`UPDATE auth_requests SET expires_at = @now WHERE id = @id AND status = 'pending' AND expires_at > @now`);
    this.use = db.prepare(`UPDATE auth_requests SET status = 'used' WHERE id = ? AND status = 'verified' AND expires_at > ?`);
    this.unuse = db.prepare(`UPDATE auth_requests SET status = 'verified' WHERE id = ? AND status = 'used'`);
    this.purge = db.prepare('DELETE FROM auth_requests WHERE expires_at <= ?');
  }

  async insert(request: AuthRequest): Promise<void> {
    this.insertRequest.run(toRow(request));
  }

  async insertEmailLink(request: AuthRequest, email: EmailAllowance): Promise<boolean> {
    const sent = this.insertEmailLinkRequest.get({ ...toRow(request), allowed: email.allowed ? 1 : 0, unless_sent_after: email.unlessSentAfter });
    return sent === 1;
  }

  async attachConfirmationLink(id: string, email: string, linkSelector: string, linkSecretHash: string, now: string, unlessSentAfter: string): Promise<boolean> {
    const params = { id, email, link_selector: linkSelector, link_secret_hash: linkSecretHash, now, unless_sent_after: unlessSentAfter };
    return this.attachLink.run(params).changes === 1;
  }

  async markEmailNotSent(id: string): Promise<void> {
    this.clearEmailSent.run(id);
  }

  async userCodeInUse(userCode: string, now: string): Promise<boolean> {
    return this.liveUserCode.get(userCode, now) === 1;
  }

  async findByDeviceCodeHash(flow: AuthFlow, deviceCodeHash: string): Promise<AuthRequest | null> {
    return fromRow(this.byDeviceCodeHash.get(flow, deviceCodeHash));
  }

  async findOnlyPendingByUserCode(userCode: string, now: string): Promise<AuthRequest | null> {
    const matches = this.pendingByUserCode.all(userCode, now);
    return matches.length === 1 ? fromRow(matches[0]) : null;
  }

  async findBySelector(linkSelector: string): Promise<AuthRequest | null> {
    return fromRow(this.bySelector.get(linkSelector));
  }

  async markVerified(id: string, userId: string, now: string): Promise<boolean> {
    return this.verify.run(userId, now, id, now).changes === 1;
  }

  async expirePending(id: string, now: string): Promise<boolean> {
    return this.expire.run({ id, now }).changes === 1;
  }

  async claim(id: string, now: string): Promise<boolean> {
    return this.use.run(id, now).changes === 1;
  }

  async unclaim(id: string): Promise<void> {
    this.unuse.run(id);
  }

  async purgeExpired(now: string): Promise<number> {
    return this.purge.run(now).changes;
  }
}

function toRow(request: AuthRequest): AuthRequestRow {
  return { ...request, email_sent: request.email_sent ? 1 : 0 };
}

function fromRow(row: AuthRequestRow | undefined): AuthRequest | null {
  return row ? { ...row, email_sent: row.email_sent === 1 } : null;
}
