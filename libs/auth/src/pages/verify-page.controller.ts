import { Body, Controller, Get, Inject, Post, Query, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { API_TAGS, ApiHtmlPage, ApiPageErrors, Clock, Public, RateLimit } from '@td-sync/http';
import { AUTH_OPTIONS, AuthOptions } from '../auth-options';
import { UserCodeLoginService, VerifyOutcome } from '../login/user-code-login.service';
import { describeExpiry } from './expiry';
import { HtmlErrorPageFilter } from './html-error-page.filter';
import { formField, sendPage } from './html-reply';
import { serverHostOf } from './server-host';
import { verifyPage, VerifyPageState } from './verify-page';

/** PROTOCOL.md wording, which clients' docs and the conformance suite look for. */
export const INVALID_CODE_MESSAGE = 'Invalid or expired code.';

/** The verification page of the typed-code login, where a person types the code td printed. */
@Public()
@RateLimit('auth')
@UseFilters(HtmlErrorPageFilter)
@ApiTags(API_TAGS.codeLogin.name)
@ApiPageErrors('rate_limited')
@ApiHtmlPage(410, 'Typed-code logins are off on this server (SYNC_CODE_LOGIN=off): a page saying so.')
@Controller('auth/verify')
export class VerifyPageController {
  private readonly serverHost: string;

  constructor(
    private readonly logins: UserCodeLoginService,
    private readonly clock: Clock,
    @Inject(AUTH_OPTIONS) options: AuthOptions,
  ) {
    this.serverHost = serverHostOf(options.baseUrl);
  }

  /** `?code=ABC234` pre-fills the field (td may print such a link). */
  @Get()
  @ApiOperation({ summary: 'The page where a person types the code td shows', description: 'An HTML form that posts user_code to this same path.' })
  @ApiQuery({ name: 'code', required: false, schema: { type: 'string' }, description: 'Pre-fills the field.' })
  @ApiHtmlPage(200, 'The form.')
  show(@Query('code') code: unknown, @Res() reply: FastifyReply): void {
    // Code login mode "off": PROTOCOL.md's 410 for every typed-code route, as a page (an HTML route answers errors in HTML).
    const state: VerifyPageState = this.logins.enabled ? { kind: 'form', code: typeof code === 'string' ? code : undefined } : { kind: 'disabled' };
    sendPage(reply, verifyPage(state, this.serverHost));
  }

  @Post()
  @ApiOperation({
    summary: 'Submit a typed code (the form of the verification page)',
    description:
      'Matched case-insensitively, ignoring spaces and dashes. Depending on SYNC_CODE_LOGIN, a valid code completes the login (direct) or sends a confirmation link to the login\'s email (confirm).',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ schema: { type: 'object', required: ['user_code'], properties: { user_code: { type: 'string', example: 'ABC-234' } } } })
  @ApiHtmlPage(200, 'A page with the outcome: connected (direct), or check your email (confirm; it says when the code and its link expire).')
  @ApiHtmlPage(400, 'The form again, saying "Please enter a code." or "Invalid or expired code." (what was typed cannot be a code).')
  @ApiHtmlPage(403, 'Sign-ups are off and the login\'s email has no account: a page saying so.')
  @ApiHtmlPage(404, 'The form again, saying "Invalid or expired code." (no pending login has this code).')
  async submit(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const typed = formField(body, 'user_code');
    const outcome = await this.logins.verify(typed);
    sendPage(reply, verifyPage(this.pageFor(outcome, typed), this.serverHost));
  }

  private pageFor(outcome: VerifyOutcome, typed: string): VerifyPageState {
    switch (outcome.kind) {
      case 'verified':
        return { kind: 'verified', email: outcome.email };
      case 'confirmation_sent':
      case 'confirmation_held':
        return { kind: 'check_email', email: outcome.email, held: outcome.kind === 'confirmation_held', expiry: describeExpiry(outcome.expiresAt, this.clock.now()) };
      case 'empty':
        return { kind: 'form', error: { message: 'Please enter a code.', status: 400 } };
      case 'malformed':
        return { kind: 'form', code: typed, error: { message: INVALID_CODE_MESSAGE, status: 400 } };
      case 'unknown':
        return { kind: 'form', code: typed, error: { message: INVALID_CODE_MESSAGE, status: 404 } };
      case 'signup_disabled':
        return { kind: 'failed', message: 'Signups are disabled on this server, and this email has no account. Ask the server operator or a project owner to add you.' };
      case 'disabled':
        return { kind: 'disabled' };
    }
  }
}
