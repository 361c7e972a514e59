import type { AuthFlow, AuthRequest } from '../records/auth-request';

/** Whether a new email-link request may have its approval email sent. */
export interface EmailAllowance {
  /** False when no email may go out at all (an unknown address while signups are off). */
  allowed: boolean;
  /** An approval email already sent to the same address after this instant suppresses another. */
  unlessSentAfter: string;
}

/**
 * Device logins in progress, for both flows. Every state change is one
 * conditional write (pending → verified → used), so that concurrent requests
 * (two pollers, a double-clicked Approve button) cannot both win. Times are
 * RFC 3339 UTC text, given by the caller (auth reads its clock).
 */
export abstract class AuthRequestsRepository {
  abstract insert(request: AuthRequest): Promise<void>;

  /**
   * Inserts an email-link request and decides in the same step whether its
   * email goes out, so that two simultaneous starts cannot both send one.
   * `request.email_sent` is ignored: what is stored, and returned, is whether
   * the email may be sent. Emails of both flows count: an email login's went
   * out when it was created, a typed code's confirmation when the code was
   * typed (its `verified_at`).
   */
  abstract insertEmailLink(request: AuthRequest, email: EmailAllowance): Promise<boolean>;

  /**
   * Gives a pending, unexpired typed-code request a new approval link
   * (selector and secret hash, replacing any earlier one) and marks its email
   * sent at `now` (`email_sent`, `verified_at`), only while no email went to
   * `email` after `unlessSentAfter`, both flows counted. One step, so two
   * submits of the code cannot both send. False when nothing changed.
   */
  abstract attachConfirmationLink(id: string, email: string, linkSelector: string, linkSecretHash: string, now: string, unlessSentAfter: string): Promise<boolean>;

  /** After a failed delivery: the address may get an email again right away. */
  abstract markEmailNotSent(id: string): Promise<void>;

  /** Whether an unexpired typed-code request holds this code. */
  abstract userCodeInUse(userCode: string, now: string): Promise<boolean>;

  abstract findByDeviceCodeHash(flow: AuthFlow, deviceCodeHash: string): Promise<AuthRequest | null>;

  /** The one pending, unexpired typed-code request with this code; null if none, or (improbably) two share it. */
  abstract findOnlyPendingByUserCode(userCode: string, now: string): Promise<AuthRequest | null>;

  /** The request an approval link leads to, of either flow. */
  abstract findBySelector(linkSelector: string): Promise<AuthRequest | null>;

  /** pending → verified, only while unexpired. False when someone else got there first or time ran out. */
  abstract markVerified(id: string, userId: string, now: string): Promise<boolean>;

  /**
   * pending → expired at `now`: the approval link's "Not me, deny". From then
   * on the request is expired for everyone (its poll answers 410 expired, its
   * link approves nothing), as if its time had run out. False when it was no
   * longer pending, or already expired.
   */
  abstract expirePending(id: string, now: string): Promise<boolean>;

  /** verified → used, only while unexpired: true for the single winner, who may issue the key. */
  abstract claim(id: string, now: string): Promise<boolean>;

  /** used → verified: undoes a claim whose key could not be issued. */
  abstract unclaim(id: string): Promise<void>;

  /** Deletes every request whose time is over; returns how many. */
  abstract purgeExpired(now: string): Promise<number>;
}
