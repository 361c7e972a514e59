import { HttpStatus, Inject, Injectable, Logger, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import { Clock, ProtocolException } from '@td-sync/http';
import type { AuthRequest } from '@td-sync/storage';
import { AUTH_OPTIONS, AuthOptions } from '../auth-options';
import { approvalEmail } from '../email/approval-email';
import { EmailOutbox } from '../email/email-outbox';
import { randomHex } from '../secrets';
import { normalizeEmail } from '../users.service';
import { AuthRequestStore } from './auth-request-store';
import { approvalLink, newLinkToken } from './link-token';
import { LoginAccounts } from './login-accounts';
import { LoginCompletion } from './login-completion';
import { LoginStartResponse, PollResponse } from './login-responses';
import { EMAIL_RESEND_INTERVAL_MS, LOGIN_TTL_MS, POLL_INTERVAL_SECONDS } from './login-timing';
import { generateUserCode, normalizeUserCode } from './user-code';

/** What the verify page shows after a code was submitted. */
export type VerifyOutcome =
  /** Mode "direct": the code completed the login. */
  | { kind: 'verified'; email: string }
  /** Mode "confirm": a confirmation link is on its way to `email`; it works until `expiresAt`. */
  | { kind: 'confirmation_sent'; email: string; expiresAt: string }
  /** Mode "confirm": an email went to `email` less than a minute ago, so none was sent now. */
  | { kind: 'confirmation_held'; email: string; expiresAt: string }
  | { kind: 'empty' }
  /** What was typed cannot be any code we hand out. */
  | { kind: 'malformed' }
  /** No pending, unexpired login has this code. */
  | { kind: 'unknown' }
  | { kind: 'signup_disabled' }
  /** Mode "off". */
  | { kind: 'disabled' };

/** A fresh code collides with a live one about once in 10^8 starts; a few retries make it never. */
const USER_CODE_ATTEMPTS = 5;

/**
 * The typed-code device login (PROTOCOL.md: Device login), which td releases
 * before the email flow use: the CLI shows a 6-character code, the person types
 * it into the verify page, the CLI polls with its device code.
 *
 * The code only proves that the typist sees the CLI's terminal, not that they
 * own the address the login was started for. So in mode "confirm" (the
 * default) the right code sends an approval link to that address, and the
 * login completes only when the link's page is approved (EmailLinkLoginService
 * serves that page for both flows); the CLI just keeps polling. Mode "direct"
 * lets the code alone complete the login; mode "off" refuses the flow
 * (CodeLoginEnabledGuard, and the verify page).
 */
@Injectable()
export class UserCodeLoginService implements OnApplicationBootstrap {
  private readonly logger = new Logger('DeviceLogin');

  constructor(
    private readonly store: AuthRequestStore,
    private readonly accounts: LoginAccounts,
    private readonly completion: LoginCompletion,
    private readonly outbox: EmailOutbox,
    private readonly clock: Clock,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.codeLogin === 'direct') {
      this.logger.warn(
        'typed-code login mode is "direct": a code typed on /auth/verify signs in without proving the email address, so anyone who knows a user\'s address can get a key for it; use it only on a trusted network',
      );
    }
  }

  /** False in mode "off": the verify page then says the flow is gone. */
  get enabled(): boolean {
    return this.options.codeLogin !== 'off';
  }

  async start(rawEmail: string): Promise<LoginStartResponse> {
    const email = normalizeEmail(rawEmail);
    if (!(await this.accounts.mayLogIn(email))) {
      throw new ProtocolException(
        HttpStatus.FORBIDDEN,
        'signup_disabled',
        'signups are disabled on this server and this email has no account: ask the server operator or a project owner to add you',
      );
    }
    const now = this.clock.now();
    const deviceCode = randomHex(20);
    const userCode = await this.freshUserCode(now);
    await this.store.insertUserCodeRequest({ email, deviceCode, userCode, now, expiresAt: new Date(now.getTime() + LOGIN_TTL_MS) });
    return {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: `${this.options.baseUrl}/auth/verify`,
      expires_in: LOGIN_TTL_MS / 1000,
      interval: POLL_INTERVAL_SECONDS,
    };
  }

  /**
   * The verify page's form. Mode "direct": marks the pending request of
   * `typed` verified, creating the account on first login. Mode "confirm":
   * emails the confirmation link instead (sendConfirmation).
   */
  async verify(typed: string): Promise<VerifyOutcome> {
    if (!this.enabled) return { kind: 'disabled' };
    if (typed.trim() === '') return { kind: 'empty' };
    const userCode = normalizeUserCode(typed);
    if (!userCode) return { kind: 'malformed' };
    const now = this.clock.now();
    const request = await this.store.findPendingByUserCode(userCode, now);
    if (!request) return { kind: 'unknown' };
    if (this.options.codeLogin === 'confirm') return this.sendConfirmation(request, now);
    const user = await this.accounts.accountFor(request.email);
    if (!user) return { kind: 'signup_disabled' };
    if (!(await this.store.markVerified(request.id, user.id, now))) return { kind: 'unknown' };
    this.logger.log(`typed-code login verified for user ${user.id}`);
    return { kind: 'verified', email: request.email };
  }

  async poll(deviceCode: string): Promise<PollResponse> {
    const now = this.clock.now();
    const request = await this.store.findByDeviceCode('user_code', deviceCode);
    if (!request) throw new NotFoundException('unknown device code: start a new login with `td auth login`');
    if (request.expires_at <= now.toISOString()) throw expired();
    if (request.status === 'used') throw alreadyUsed();
    if (request.status === 'pending') return { status: 'pending' };
    const completed = await this.completion.complete(request, now);
    if (!completed) throw alreadyUsed();
    this.logger.log(`typed-code login completed for user ${completed.user_id}`);
    return completed;
  }

  /**
   * Links the request to a fresh approval link and emails it to the address
   * the login was started for, under the email login's rules (one email per
   * address per minute, only the link's hash stored, the link valid as long as
   * the code). No account is created here: only the approval proves the address.
   * Typing the code again later sends a new link, which replaces the old one
   * (an email that failed to arrive can so be asked for again).
   */
  private async sendConfirmation(request: AuthRequest, now: Date): Promise<VerifyOutcome> {
    if (!(await this.accounts.mayLogIn(request.email))) return { kind: 'signup_disabled' };
    const token = newLinkToken();
    const attached = await this.store.attachCodeConfirmationLink({
      id: request.id,
      email: request.email,
      linkSelector: token.selector,
      linkSecret: token.secret,
      now,
      resendAfter: new Date(now.getTime() - EMAIL_RESEND_INTERVAL_MS),
    });
    if (!attached) {
      // Logged so an operator can tell a user why no email came (never the link itself).
      this.logger.log(`confirmation email to ${request.email} held back: one went to that address less than a minute ago`);
      return { kind: 'confirmation_held', email: request.email, expiresAt: request.expires_at };
    }
    const message = approvalEmail({
      to: request.email,
      link: approvalLink(this.options.baseUrl, token),
      deviceName: request.device_name,
      userCode: request.user_code ?? undefined,
      expiresInMinutes: Math.max(1, Math.ceil((Date.parse(request.expires_at) - now.getTime()) / 60_000)),
    });
    this.outbox.enqueue(message, () => this.store.markEmailNotSent(request.id));
    this.logger.log(`typed code accepted for login request ${request.id}: confirmation link emailed`);
    return { kind: 'confirmation_sent', email: request.email, expiresAt: request.expires_at };
  }

  private async freshUserCode(now: Date): Promise<string> {
    for (let attempt = 0; attempt < USER_CODE_ATTEMPTS; attempt++) {
      const code = generateUserCode();
      if (!(await this.store.userCodeTaken(code, now))) return code;
    }
    throw new Error('could not find an unused user code');
  }
}

function expired(): ProtocolException {
  return new ProtocolException(HttpStatus.GONE, 'expired', 'this login request has expired: run `td auth login` again');
}

function alreadyUsed(): ProtocolException {
  return new ProtocolException(HttpStatus.GONE, 'already_used', 'this login request was already completed: run `td auth login` again');
}
