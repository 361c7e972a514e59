import { Injectable } from '@nestjs/common';
import { AuthFlow, AuthRequest, AuthRequestsRepository } from '@td-sync/storage';
import { randomHex, sha256Hex } from '../secrets';

/** A new email-link request; storage decides atomically whether it may send an email. */
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
 * The login requests of both flows, as auth sees them: secrets arrive in
 * clear and are hashed here, so only hashes reach storage; times are Dates
 * from auth's clock. Every state change is one conditional write in
 * AuthRequestsRepository, so concurrent requests (two pollers, a
 * double-clicked Approve button) cannot both win.
 */
@Injectable()
export class AuthRequestStore {
  constructor(private readonly requests: AuthRequestsRepository) {}

  async insertUserCodeRequest(fields: { email: string; deviceCode: string; userCode: string; now: Date; expiresAt: Date }): Promise<void> {
    await this.requests.insert({
      ...pendingRequest('user_code', fields),
      user_code: fields.userCode,
      link_selector: null,
      link_secret_hash: null,
      code_challenge: null,
      device_name: null,
    });
  }

  /** Inserts the request and reports whether its approval email should be sent (at most one per address per minute). */
  async insertEmailLinkRequest(fields: NewEmailLinkRequest): Promise<{ id: string; sendEmail: boolean }> {
    const request: AuthRequest = {
      ...pendingRequest('email_link', fields),
      user_code: null,
      link_selector: fields.linkSelector,
      link_secret_hash: sha256Hex(fields.linkSecret),
      code_challenge: fields.codeChallenge,
      device_name: fields.deviceName,
    };
    const sendEmail = await this.requests.insertEmailLink(request, { allowed: fields.mayEmail, unlessSentAfter: fields.resendAfter.toISOString() });
    return { id: request.id, sendEmail };
  }

  /** After a failed delivery: the address may get an email again right away. */
  markEmailNotSent(id: string): Promise<void> {
    return this.requests.markEmailNotSent(id);
  }

  userCodeTaken(userCode: string, now: Date): Promise<boolean> {
    return this.requests.userCodeInUse(userCode, now.toISOString());
  }

  findByDeviceCode(flow: AuthFlow, deviceCode: string): Promise<AuthRequest | null> {
    return this.requests.findByDeviceCodeHash(flow, sha256Hex(deviceCode));
  }

  /** The one pending, unexpired typed-code request with this code; none if (improbably) two share it. */
  findPendingByUserCode(userCode: string, now: Date): Promise<AuthRequest | null> {
    return this.requests.findOnlyPendingByUserCode(userCode, now.toISOString());
  }

  /** The request an approval link leads to: an email login's, or a typed code's confirmation (either flow). */
  findBySelector(selector: string): Promise<AuthRequest | null> {
    return this.requests.findBySelector(selector);
  }

  /**
   * Code login mode "confirm", after the right code was typed: gives the pending
   * typed-code request a fresh approval link (replacing any earlier one, whose
   * email then approves nothing) and records that its email goes out now. It
   * does so only while no email went to the address within the resend window,
   * both flows counted, in one step, so two submits of the code cannot both
   * send. False: nothing changed (an email went out too recently, or the
   * request is no longer pending).
   */
  attachCodeConfirmationLink(fields: {
    id: string;
    email: string;
    linkSelector: string;
    linkSecret: string;
    now: Date;
    /** An email already sent to this address after this instant suppresses another. */
    resendAfter: Date;
  }): Promise<boolean> {
    return this.requests.attachConfirmationLink(fields.id, fields.email, fields.linkSelector, sha256Hex(fields.linkSecret), fields.now.toISOString(), fields.resendAfter.toISOString());
  }

  /** pending → verified, only while unexpired. False when someone else got there first or time ran out. */
  markVerified(id: string, userId: string, now: Date): Promise<boolean> {
    return this.requests.markVerified(id, userId, now.toISOString());
  }

  /** pending → expired now ("Not me, deny"). False when it was no longer pending or already expired. */
  deny(id: string, now: Date): Promise<boolean> {
    return this.requests.expirePending(id, now.toISOString());
  }

  /** verified → used: the single winner may issue the key. */
  claim(id: string, now: Date): Promise<boolean> {
    return this.requests.claim(id, now.toISOString());
  }

  /** Undoes a claim whose key could not be issued, so the client's next poll can try again. */
  unclaim(id: string): Promise<void> {
    return this.requests.unclaim(id);
  }

  /** Deletes every request (both flows) whose 15 minutes are over; returns how many. */
  purgeExpired(now: Date): Promise<number> {
    return this.requests.purgeExpired(now.toISOString());
  }
}

function newRequestId(): string {
  return `ar_${randomHex(12)}`;
}

/** What every new request of either flow starts with: pending, no email sent yet, nobody verified it. */
function pendingRequest(
  flow: AuthFlow,
  fields: { email: string; deviceCode: string; now: Date; expiresAt: Date },
): Omit<AuthRequest, 'user_code' | 'link_selector' | 'link_secret_hash' | 'code_challenge' | 'device_name'> {
  return {
    id: newRequestId(),
    flow,
    email: fields.email,
    device_code_hash: sha256Hex(fields.deviceCode),
    email_sent: false,
    status: 'pending',
    user_id: null,
    expires_at: fields.expiresAt.toISOString(),
    verified_at: null,
    created_at: fields.now.toISOString(),
  };
}
