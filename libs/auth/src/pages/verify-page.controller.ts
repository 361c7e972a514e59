import { Body, Controller, Get, Post, Query, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { API_TAGS, ApiHtmlPage, ApiPageErrors, Public, RateLimit } from '@td-sync/http';
import { UserCodeLoginService, VerifyOutcome } from '../login/user-code-login.service';
import { HtmlErrorPageFilter } from './html-error-page.filter';
import { formField, sendHtml } from './html-reply';
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
  constructor(private readonly logins: UserCodeLoginService) {}

  /** `?code=ABC234` pre-fills the field (td may print such a link). */
  @Get()
  @ApiOperation({ summary: 'The page where a person types the code td shows', description: 'An HTML form that posts user_code to this same path.' })
  @ApiQuery({ name: 'code', required: false, schema: { type: 'string' }, description: 'Pre-fills the field.' })
  @ApiHtmlPage(200, 'The form.')
  show(@Query('code') code: unknown, @Res() reply: FastifyReply): void {
    if (!this.logins.enabled) return sendDisabledPage(reply);
    sendHtml(reply, verifyPage({ kind: 'form', code: typeof code === 'string' ? code : undefined }));
  }

  @Post()
  @ApiOperation({
    summary: 'Submit a typed code (the form of the verification page)',
    description:
      'Matched case-insensitively, ignoring spaces and dashes. Depending on SYNC_CODE_LOGIN, a valid code completes the login (direct) or sends a confirmation link to the login\'s email (confirm).',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ schema: { type: 'object', required: ['user_code'], properties: { user_code: { type: 'string', example: 'ABC-234' } } } })
  @ApiHtmlPage(200, 'A page with the outcome: connected, check your email, or "Invalid or expired code." with the form again.')
  async submit(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const typed = formField(body, 'user_code');
    const outcome = await this.logins.verify(typed);
    if (outcome.kind === 'disabled') return sendDisabledPage(reply);
    sendHtml(reply, verifyPage(pageFor(outcome, typed)));
  }
}

/** Code login mode "off": PROTOCOL.md's 410 for every typed-code route, as a page (an HTML route answers errors in HTML). */
function sendDisabledPage(reply: FastifyReply): void {
  sendHtml(reply, verifyPage({ kind: 'disabled' }), 410);
}

function pageFor(outcome: Exclude<VerifyOutcome, { kind: 'disabled' }>, typed: string): VerifyPageState {
  switch (outcome.kind) {
    case 'verified':
      return { kind: 'verified', email: outcome.email };
    case 'confirmation_sent':
      return { kind: 'check_email', email: outcome.email, held: false };
    case 'confirmation_held':
      return { kind: 'check_email', email: outcome.email, held: true };
    case 'empty':
      return { kind: 'form', error: 'Please enter a code.' };
    case 'invalid':
      return { kind: 'form', code: typed, error: INVALID_CODE_MESSAGE };
    case 'signup_disabled':
      return { kind: 'failed', message: 'Signups are disabled on this server, and this email has no account. Ask the server operator or a project owner to add you.' };
  }
}
