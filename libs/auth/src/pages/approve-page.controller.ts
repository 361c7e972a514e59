import { Body, Controller, Get, Inject, Post, Query, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Clock, Public, RateLimit } from '@td-sync/http';
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
  async show(@Query('token') token: unknown, @Res() reply: FastifyReply): Promise<void> {
    const state = await this.logins.inspect(token);
    if (state.kind !== 'valid') return sendPage(reply, approvePage(state, this.serverHost));
    // Only a token that parsed and matched reaches here; it goes back in the form as the page received it.
    sendPage(reply, approvePage(confirmState(state, String(token).trim(), this.clock.now()), this.serverHost));
  }

  @Post()
  async decide(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const token = formField(body, 'token');
    const outcome = formField(body, 'decision') === 'deny' ? await this.logins.deny(token) : await this.logins.approve(token);
    sendPage(reply, approvePage(outcome, this.serverHost));
  }
}
