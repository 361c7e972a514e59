import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { AuthFlow, AuthRequest } from '@td-sync/storage';
import { LessThanOrEqual, MoreThan, Repository } from 'typeorm';
import { randomHex, sha256Hex } from '../secrets';

/** A new email-link request; the store decides atomically whether it may send an email. */
export interface NewEmailLinkRequest {
  email: string;
  deviceCode: string;
  linkSelector: string;
  linkSecret: string;
  codeChallenge: string;
  deviceName: string | null;
  /** False when no email may go out at all (unknown address with signups off). */
  mayEmail: boolean;
  now: Date;
  expiresAt: Date;
  /** An email already sent to this address after this instant suppresses another. */
  resendAfter: Date;
}

/**
 * When a request's email went out, for the one-email-per-address-per-minute
 * rule: an email login sends when it is created; a typed-code confirmation when
 * the code is typed, which `verified_at` records for those rows.
 */
function emailSentAt(table: string): string {
  return `CASE ${table}.flow WHEN 'user_code' THEN ${table}.verified_at ELSE ${table}.created_at END`;
}

/**
 * Every read and write of `auth_requests`, for both flows. State changes are
 * single conditional statements (`UPDATE … WHERE status = …`), so concurrent
 * requests — two pollers, a double-clicked approve button — cannot both win:
 * the server database is one connection shared by all requests, and a
 * transaction spanning awaits would interleave with other requests' queries.
 * Secrets arrive in clear and are hashed here; only hashes are stored.
 */
@Injectable()
export class AuthRequestStore {
  constructor(@InjectRepository(AuthRequest) private readonly requests: Repository<AuthRequest>) {}

  async insertUserCodeRequest(fields: { email: string; deviceCode: string; userCode: string; now: Date; expiresAt: Date }): Promise<void> {
    await this.requests.insert({
      id: newRequestId(),
      flow: 'user_code',
      email: fields.email,
      device_code_hash: sha256Hex(fields.deviceCode),
      user_code: fields.userCode,
      link_selector: null,
      link_secret_hash: null,
      code_challenge: null,
      device_name: null,
      email_sent: false,
      status: 'pending',
      user_id: null,
      expires_at: fields.expiresAt.toISOString(),
      verified_at: null,
      created_at: fields.now.toISOString(),
    });
  }

  /**
   * Inserts the request and reports whether its approval email should be
   * sent. The "one email per address per minute" check and the insert are one
   * statement, so two simultaneous starts cannot both decide to send.
   */
  async insertEmailLinkRequest(fields: NewEmailLinkRequest): Promise<{ id: string; sendEmail: boolean }> {
    const id = newRequestId();
    const rows: Array<{ email_sent: number }> = await this.requests.query(
      `INSERT INTO auth_requests (id, flow, email, device_code_hash, user_code, link_selector, link_secret_hash,
         code_challenge, device_name, email_sent, status, user_id, expires_at, verified_at, created_at)
       SELECT ?, 'email_link', ?, ?, NULL, ?, ?, ?, ?,
         CASE WHEN ? = 1 AND NOT EXISTS (
           SELECT 1 FROM auth_requests
           WHERE email = ? AND email_sent = 1 AND ${emailSentAt('auth_requests')} > ?) THEN 1 ELSE 0 END,
         'pending', NULL, ?, NULL, ?
       RETURNING email_sent`,
      [
        id,
        fields.email,
        sha256Hex(fields.deviceCode),
        fields.linkSelector,
        sha256Hex(fields.linkSecret),
        fields.codeChallenge,
        fields.deviceName,
        fields.mayEmail ? 1 : 0,
        fields.email,
        fields.resendAfter.toISOString(),
        fields.expiresAt.toISOString(),
        fields.now.toISOString(),
      ],
    );
    return { id, sendEmail: rows[0]?.email_sent === 1 };
  }

  /** After a failed delivery: the address may get an email again right away. */
  async markEmailNotSent(id: string): Promise<void> {
    await this.requests.update({ id }, { email_sent: false });
  }

  async userCodeTaken(userCode: string, now: Date): Promise<boolean> {
    return this.requests.existsBy({ flow: 'user_code', user_code: userCode, expires_at: MoreThan(now.toISOString()) });
  }

  findByDeviceCode(flow: AuthFlow, deviceCode: string): Promise<AuthRequest | null> {
    return this.requests.findOneBy({ flow, device_code_hash: sha256Hex(deviceCode) });
  }

  /** The one pending, unexpired typed-code request with this code; none if (improbably) two share it. */
  async findPendingByUserCode(userCode: string, now: Date): Promise<AuthRequest | null> {
    const matches = await this.requests.find({
      where: { flow: 'user_code', user_code: userCode, status: 'pending', expires_at: MoreThan(now.toISOString()) },
      take: 2,
    });
    return matches.length === 1 ? matches[0] : null;
  }

  /** The request an approval link leads to: an email login's, or a typed code's confirmation (either flow). */
  findBySelector(selector: string): Promise<AuthRequest | null> {
    return this.requests.findOneBy({ link_selector: selector });
  }

  /**
   * Code login mode "confirm", after the right code was typed: gives the pending
   * typed-code request a fresh approval link (replacing any earlier one, whose
   * email then approves nothing) and records that its email goes out now
   * (`email_sent`, and `verified_at` as the moment the code was typed). It does
   * so only while no email went to the address within the resend window, both
   * flows counted, so the check and the change are one statement and two
   * submits of the code cannot both send. False: nothing changed (an email
   * went out too recently, or the request is no longer pending).
   */
  async attachCodeConfirmationLink(fields: {
    id: string;
    email: string;
    linkSelector: string;
    linkSecret: string;
    now: Date;
    /** An email already sent to this address after this instant suppresses another. */
    resendAfter: Date;
  }): Promise<boolean> {
    const result = await this.requests
      .createQueryBuilder()
      .update(AuthRequest)
      .set({ link_selector: fields.linkSelector, link_secret_hash: sha256Hex(fields.linkSecret), email_sent: true, verified_at: fields.now.toISOString() })
      .where("id = :id AND flow = 'user_code' AND status = 'pending' AND expires_at > :now", { id: fields.id, now: fields.now.toISOString() })
      .andWhere(`NOT EXISTS (SELECT 1 FROM auth_requests sent WHERE sent.email = :email AND sent.email_sent = :sent AND ${emailSentAt('sent')} > :resendAfter)`, {
        email: fields.email,
        sent: true,
        resendAfter: fields.resendAfter.toISOString(),
      })
      .execute();
    return result.affected === 1;
  }

  /** pending → verified, only while unexpired. False when someone else got there first or time ran out. */
  async markVerified(id: string, userId: string, now: Date): Promise<boolean> {
    const result = await this.requests.update(
      { id, status: 'pending', expires_at: MoreThan(now.toISOString()) },
      { status: 'verified', user_id: userId, verified_at: now.toISOString() },
    );
    return result.affected === 1;
  }

  /** verified → used: the single winner may issue the key. */
  async claim(id: string, now: Date): Promise<boolean> {
    const result = await this.requests.update(
      { id, status: 'verified', expires_at: MoreThan(now.toISOString()) },
      { status: 'used' },
    );
    return result.affected === 1;
  }

  /** Undoes a claim whose key could not be issued, so the client's next poll can try again. */
  async unclaim(id: string): Promise<void> {
    await this.requests.update({ id, status: 'used' }, { status: 'verified' });
  }

  /** Deletes every request (both flows) whose 15 minutes are over; returns how many. */
  async purgeExpired(now: Date): Promise<number> {
    const result = await this.requests.delete({ expires_at: LessThanOrEqual(now.toISOString()) });
    return result.affected ?? 0;
  }
}

function newRequestId(): string {
  return `ar_${randomHex(12)}`;
}
