import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { Clock, ProtocolException } from '@td-sync/http';
import type { AuthRequest } from '@td-sync/storage';
import { AUTH_OPTIONS, AuthOptions } from '../auth-options';
import { approvalEmail } from '../email/approval-email';
import { EmailOutbox } from '../email/email-outbox';
import { randomHex, secretsEqual, sha256Hex } from '../secrets';
import { normalizeEmail } from '../users.service';
import { AuthRequestStore } from './auth-request-store';
import { cleanDeviceName } from './device-name';
import { approvalLink, newLinkToken, parseLinkToken } from './link-token';
import { LoginAccounts } from './login-accounts';
import { LoginCompletion } from './login-completion';
import { DeviceStartResponse, PollResponse } from './login-responses';
import { EMAIL_RESEND_INTERVAL_MS, LOGIN_TTL_MS, POLL_INTERVAL_SECONDS } from './login-timing';
import { verifierMatches } from './pkce';

export interface DeviceStartInput {
  email: string;
  codeChallenge: string;
  deviceName?: string;
}

/**
 * What an approval link leads to, for the page that shows it. `userCode` is
 * set for a typed code's confirmation. `malformed`: the token cannot be one
 * we hand out; `unknown`: no request has it (or its secret is wrong).
 */
export type LinkState =
  | { kind: 'valid'; email: string; deviceName: string | null; userCode: string | null; expiresAt: string }
  | { kind: 'malformed' }
  | { kind: 'unknown' }
  | { kind: 'expired' }
  | { kind: 'used' };

type LinkProblem = Exclude<LinkState, { kind: 'valid' }>;

export type ApproveOutcome = { kind: 'approved'; email: string; deviceName: string | null } | { kind: 'signup_disabled' } | LinkProblem;

export type DenyOutcome = { kind: 'denied'; deviceName: string | null } | LinkProblem;

/**
 * The email-approved device login with PKCE (PROTOCOL.md), what current td
 * releases use. The CLI sends only the S256 challenge; the person approves
 * from the emailed link; the CLI polls with its device code and the verifier,
 * so someone who sees the device code alone cannot finish the login.
 *
 * The link's page (inspect, approve, deny) also serves the confirmation emailed for
 * a typed code in code login mode "confirm" (UserCodeLoginService): approving
 * marks that request verified the same way, and its CLI's next poll of
 * /v1/auth/login/poll completes.
 */
@Injectable()
export class EmailLinkLoginService {
  private readonly logger = new Logger('DeviceLogin');

  constructor(
    private readonly store: AuthRequestStore,
    private readonly accounts: LoginAccounts,
    private readonly completion: LoginCompletion,
    private readonly outbox: EmailOutbox,
    private readonly clock: Clock,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  /**
   * Always the same answer for a valid request. An address that may not log in
   * (no account, signups off) still gets a stored request, so its poll behaves
   * exactly like any unapproved one (pending, then expired), but no email.
   */
  async start(input: DeviceStartInput): Promise<DeviceStartResponse> {
    const email = normalizeEmail(input.email);
    const now = this.clock.now();
    const deviceCode = randomHex(32);
    const token = newLinkToken();
    const deviceName = cleanDeviceName(input.deviceName);
    const mayEmail = await this.accounts.mayLogIn(email);
    const { id, sendEmail } = await this.store.insertEmailLinkRequest({
      email,
      deviceCode,
      linkSelector: token.selector,
      linkSecret: token.secret,
      codeChallenge: input.codeChallenge,
      deviceName,
      mayEmail,
      now,
      expiresAt: new Date(now.getTime() + LOGIN_TTL_MS),
      resendAfter: new Date(now.getTime() - EMAIL_RESEND_INTERVAL_MS),
    });
    if (sendEmail) {
      const message = approvalEmail({ to: email, link: approvalLink(this.options.baseUrl, token), deviceName, expiresInMinutes: LOGIN_TTL_MS / 60_000 });
      this.outbox.enqueue(message, () => this.store.markEmailNotSent(id));
    } else if (mayEmail) {
      // Logged so an operator can tell a user why no email came (never the link itself).
      this.logger.log(`login email to ${email} held back: one went to that address less than a minute ago`);
    }
    return { device_code: deviceCode, expires_in: LOGIN_TTL_MS / 1000, interval: POLL_INTERVAL_SECONDS, email_sent: true };
  }

  /** For the page behind the link; never changes anything (mail scanners fetch links). */
  async inspect(tokenText: unknown): Promise<LinkState> {
    const found = await this.findByToken(tokenText);
    return found.kind === 'found' ? stateOf(found.request, this.clock.now()) : found;
  }

  /** The page's Approve button: pending → verified, creating the account on first login while signups are on. */
  async approve(tokenText: unknown): Promise<ApproveOutcome> {
    const pending = await this.pendingByToken(tokenText);
    if (pending.kind !== 'pending') return pending;
    const { request, now } = pending;
    const user = await this.accounts.accountFor(request.email);
    if (!user) return { kind: 'signup_disabled' };
    // Lost a race with a second click, or the 15 minutes ran out in between.
    if (!(await this.store.markVerified(request.id, user.id, now))) return this.problemAfterRace(request);
    this.logger.log(`${request.flow === 'user_code' ? 'typed-code login confirmed by email' : 'email-link login approved'} for user ${user.id}`);
    return { kind: 'approved', email: request.email, deviceName: request.device_name };
  }

  /**
   * The page's "Not me, deny" button: the pending login ends at once, as if
   * its 15 minutes were over. The client polling for it gets 410 expired (on
   * either flow's poll), and the link approves nothing any more.
   */
  async deny(tokenText: unknown): Promise<DenyOutcome> {
    const pending = await this.pendingByToken(tokenText);
    if (pending.kind !== 'pending') return pending;
    const { request, now } = pending;
    // Approved, or out of time, in between.
    if (!(await this.store.deny(request.id, now))) return this.problemAfterRace(request);
    this.logger.log(`login request ${request.id} for ${request.email} denied from its approval link`);
    return { kind: 'denied', deviceName: request.device_name };
  }

  async poll(deviceCode: string, verifier: string): Promise<PollResponse> {
    const now = this.clock.now();
    const request = await this.store.findByDeviceCode('email_link', deviceCode);
    // Unknown codes look pending, like the code of an address that got no email.
    if (!request) return { status: 'pending' };
    if (request.expires_at <= now.toISOString() || request.status === 'used') throw gone();
    if (request.status === 'pending') return { status: 'pending' };
    if (!request.code_challenge || !verifierMatches(verifier, request.code_challenge)) {
      throw new ProtocolException(HttpStatus.UNAUTHORIZED, 'invalid_verifier', 'code_verifier does not match the code_challenge this login started with');
    }
    const completed = await this.completion.complete(request, now);
    if (!completed) throw gone();
    this.logger.log(`email-link login completed for user ${completed.user_id}`);
    return completed;
  }

  /** The still pending request a link names, with the time it was judged at; or why the link leads nowhere. */
  private async pendingByToken(tokenText: unknown): Promise<{ kind: 'pending'; request: AuthRequest; now: Date } | LinkProblem> {
    const found = await this.findByToken(tokenText);
    if (found.kind !== 'found') return found;
    const now = this.clock.now();
    const state = stateOf(found.request, now);
    return state.kind === 'valid' ? { kind: 'pending', request: found.request, now } : state;
  }

  /** Why a request found pending could not be changed after all: its time ran out meanwhile, or another click changed it first. */
  private problemAfterRace(request: AuthRequest): LinkProblem {
    return request.expires_at <= this.clock.now().toISOString() ? { kind: 'expired' } : { kind: 'used' };
  }

  private async findByToken(tokenText: unknown): Promise<{ kind: 'found'; request: AuthRequest } | { kind: 'malformed' } | { kind: 'unknown' }> {
    const token = parseLinkToken(tokenText);
    if (!token) return { kind: 'malformed' };
    const request = await this.store.findBySelector(token.selector);
    if (!request?.link_secret_hash || !secretsEqual(sha256Hex(token.secret), request.link_secret_hash)) return { kind: 'unknown' };
    return { kind: 'found', request };
  }
}

function stateOf(request: AuthRequest, now: Date): LinkState {
  if (request.expires_at <= now.toISOString()) return { kind: 'expired' };
  if (request.status !== 'pending') return { kind: 'used' };
  return { kind: 'valid', email: request.email, deviceName: request.device_name, userCode: request.user_code, expiresAt: request.expires_at };
}

function gone(): ProtocolException {
  return new ProtocolException(HttpStatus.GONE, 'expired', 'this login has expired or was already completed: run `td auth login` again');
}
