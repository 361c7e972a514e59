import { Body, Controller, Get, Post, Query, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public, RateLimit } from '@td-sync/http';
import { EmailLinkLoginService } from '../login/email-link-login.service';
import { approvePage } from './approve-page';
import { HtmlErrorPageFilter } from './html-error-page.filter';
import { formField, sendHtml } from './html-reply';

/**
 * The page behind the emailed link, of the email login and of a typed code's
 * confirmation. GET only shows who is signing in where (and the typed code),
 * because mail scanners pre-fetch links; approval is the POST of its form.
 */
@Public()
@RateLimit('auth')
@UseFilters(HtmlErrorPageFilter)
@Controller('auth/device/approve')
export class ApprovePageController {
  constructor(private readonly logins: EmailLinkLoginService) {}

  @Get()
  async show(@Query('token') token: unknown, @Res() reply: FastifyReply): Promise<void> {
    const state = await this.logins.inspect(token);
    if (state.kind !== 'valid') return sendHtml(reply, approvePage(state));
    // Only a token that parsed and matched reaches here; it goes back in the form as the page received it.
    sendHtml(reply, approvePage({ kind: 'confirm', token: String(token).trim(), email: state.email, deviceName: state.deviceName, userCode: state.userCode }));
  }

  @Post()
  async approve(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    sendHtml(reply, approvePage(await this.logins.approve(formField(body, 'token'))));
  }
}
