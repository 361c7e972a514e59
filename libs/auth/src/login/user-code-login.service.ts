import { HttpStatus, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { Clock, ProtocolException } from '@td-sync/http';
import { AUTH_OPTIONS, AuthOptions } from '../auth-options';
import { randomHex } from '../secrets';
import { normalizeEmail } from '../users.service';
import { AuthRequestStore } from './auth-request-store';
import { LoginAccounts } from './login-accounts';
import { LoginCompletion } from './login-completion';
import { LoginStartResponse, PollResponse } from './login-responses';
import { LOGIN_TTL_MS, POLL_INTERVAL_SECONDS } from './login-timing';
import { generateUserCode, normalizeUserCode } from './user-code';

/** What the verify page shows after a code was submitted. */
export type VerifyOutcome =
  | { kind: 'verified'; email: string }
  | { kind: 'empty' }
  | { kind: 'invalid' }
  | { kind: 'signup_disabled' };

/** A fresh code collides with a live one about once in 10^8 starts; a few retries make it never. */
const USER_CODE_ATTEMPTS = 5;

/**
 * The typed-code device login (PROTOCOL.md: Device login), which td releases
 * before the email flow use: the CLI shows a 6-character code, the person types
 * it into the verify page, the CLI polls with its device code.
 */
@Injectable()
export class UserCodeLoginService {
  private readonly logger = new Logger('DeviceLogin');

  constructor(
    private readonly store: AuthRequestStore,
    private readonly accounts: LoginAccounts,
    private readonly completion: LoginCompletion,
    private readonly clock: Clock,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

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

  /** The verify page's form: marks the pending request of `typed` verified, creating the account on first login. */
  async verify(typed: string): Promise<VerifyOutcome> {
    if (typed.trim() === '') return { kind: 'empty' };
    const userCode = normalizeUserCode(typed);
    if (!userCode) return { kind: 'invalid' };
    const now = this.clock.now();
    const request = await this.store.findPendingByUserCode(userCode, now);
    if (!request) return { kind: 'invalid' };
    const user = await this.accounts.accountFor(request.email);
    if (!user) return { kind: 'signup_disabled' };
    if (!(await this.store.markVerified(request.id, user.id, now))) return { kind: 'invalid' };
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
