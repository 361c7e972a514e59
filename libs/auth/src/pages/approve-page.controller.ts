import { Body, Controller, Get, Post, Query, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { API_TAGS, ApiHtmlPage, ApiPageErrors, Public, RateLimit } from '@td-sync/http';
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
@ApiTags(API_TAGS.emailLogin.name)
@ApiPageErrors('rate_limited')
@Controller('auth/device/approve')
export class ApprovePageController {
  constructor(private readonly logins: EmailLinkLoginService) {}

  @Get()
  @ApiOperation({
    summary: 'The page behind the emailed link',
    description: 'Names the account and the device and asks to approve; it approves nothing itself, since mail scanners fetch links.',
  })
  @ApiQuery({ name: 'token', required: true, schema: { type: 'string' }, description: 'From the emailed link: selector.secret.' })
  @ApiHtmlPage(200, 'The approval form, or a page saying the link is not valid, has expired or was used.')
  async show(@Query('token') token: unknown, @Res() reply: FastifyReply): Promise<void> {
    const state = await this.logins.inspect(token);
    if (state.kind !== 'valid') return sendHtml(reply, approvePage(state));
    // Only a token that parsed and matched reaches here; it goes back in the form as the page received it.
    sendHtml(reply, approvePage({ kind: 'confirm', token: String(token).trim(), email: state.email, deviceName: state.deviceName, userCode: state.userCode }));
  }

  @Post()
  @ApiOperation({ summary: 'Approve a login (the form of the approval page)', description: 'Completes the login: the client\'s next poll receives its API key.' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } } })
  @ApiHtmlPage(200, 'A page saying the device is signed in, or that the link is not valid, has expired or was used.')
  async approve(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    sendHtml(reply, approvePage(await this.logins.approve(formField(body, 'token'))));
  }
}
