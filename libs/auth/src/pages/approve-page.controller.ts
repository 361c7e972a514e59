import { Body, Controller, Get, Inject, Post, Query, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { API_TAGS, ApiHtmlPage, ApiPageErrors, Clock, Public, RateLimit } from '@td-sync/http';
import { AUTH_OPTIONS, AuthOptions } from '../auth-options';
import { EmailLinkLoginService } from '../login/email-link-login.service';
import { approvePage, confirmState } from './approve-page';
import { HtmlErrorPageFilter } from './html-error-page.filter';
import { formField, sendPage } from './html-reply';
import { serverHostOf } from './server-host';

/**
 * The page behind the emailed link, of the email login and of a typed code's
 * confirmation. GET only shows who is signing in where (and the typed code),
 * because mail scanners pre-fetch links; approval, or denial, is the POST of
 * its form (`decision=deny` for the "Not me, deny" button; anything else
 * approves, as the form did before it had two buttons).
 */
@Public()
@RateLimit('auth')
@UseFilters(HtmlErrorPageFilter)
@ApiTags(API_TAGS.emailLogin.name)
@ApiPageErrors('rate_limited')
@Controller('auth/device/approve')
export class ApprovePageController {
  private readonly serverHost: string;

  constructor(
    private readonly logins: EmailLinkLoginService,
    private readonly clock: Clock,
    @Inject(AUTH_OPTIONS) options: AuthOptions,
  ) {
    this.serverHost = serverHostOf(options.baseUrl);
  }

  @Get()
  @ApiOperation({
    summary: 'The page behind the emailed link',
    description: 'Names the account and the device and asks to approve; it approves nothing itself, since mail scanners fetch links.',
  })
  @ApiQuery({ name: 'token', required: true, schema: { type: 'string' }, description: 'From the emailed link: selector.secret.' })
  @ApiHtmlPage(200, 'The approval form: the account, the device, the server and when the request expires, with Approve and "Not me, deny".')
  @ApiHtmlPage(400, 'The token is missing or malformed: a page saying the link is not valid.')
  @ApiHtmlPage(404, 'No login has this link: a page saying the link is not valid.')
  @ApiHtmlPage(410, 'The link has expired, was denied, or was already used: a page saying so.')
  async show(@Query('token') token: unknown, @Res() reply: FastifyReply): Promise<void> {
    const state = await this.logins.inspect(token);
    if (state.kind !== 'valid') return sendPage(reply, approvePage(state, this.serverHost));
    // Only a token that parsed and matched reaches here; it goes back in the form as the page received it.
    sendPage(reply, approvePage(confirmState(state, String(token).trim(), this.clock.now()), this.serverHost));
  }

  @Post()
  @ApiOperation({
    summary: 'Approve or deny a login (the form of the approval page)',
    description:
      "Approve (the default) completes the login: the client's next poll receives its API key. decision=deny (the \"Not me, deny\" button) ends it instead: the client's poll answers 410 expired.",
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['token'],
      properties: { token: { type: 'string' }, decision: { type: 'string', enum: ['approve', 'deny'], default: 'approve' } },
    },
  })
  @ApiHtmlPage(200, 'A page saying the device is signed in, or (deny) that it was not.')
  @ApiHtmlPage(400, 'The token is missing or malformed: a page saying the link is not valid.')
  @ApiHtmlPage(403, 'Sign-ups are off and the email has no account: a page saying so.')
  @ApiHtmlPage(404, 'No login has this link: a page saying the link is not valid.')
  @ApiHtmlPage(410, 'The link has expired, was denied, or was already used: a page saying so.')
  async decide(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const token = formField(body, 'token');
    const outcome = formField(body, 'decision') === 'deny' ? await this.logins.deny(token) : await this.logins.approve(token);
    sendPage(reply, approvePage(outcome, this.serverHost));
  }
}
