import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_TAGS, ApiErrors, Public, RateLimit } from '@td-sync/http';
import { ApiPollResponse } from './dto/api-poll-response.decorator';
import { DevicePollDto } from './dto/device-poll.dto';
import { DeviceStartResponseDto } from './dto/device-start-response.dto';
import { DeviceStartDto } from './dto/device-start.dto';
import { EmailLinkLoginService } from './email-link-login.service';
import { DeviceStartResponse, PollResponse } from './login-responses';

/** The email-approved PKCE device login's API (the page is ApprovePageController). */
@Public()
@RateLimit('auth')
@ApiTags(API_TAGS.emailLogin.name)
@ApiErrors('rate_limited')
@Controller('v1/auth/device')
export class DeviceLoginController {
  constructor(private readonly logins: EmailLinkLoginService) {}

  @Post('start')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start an email-approved login',
    description: 'Emails the address a link to approve this device (at most one email per address per minute). The answer is the same whether or not the address has an account.',
  })
  @ApiOkResponse({ type: DeviceStartResponseDto })
  @ApiErrors({ bad_request: 'an invalid email, a missing code_challenge, or a code_challenge_method other than S256' })
  start(@Body() body: DeviceStartDto): Promise<DeviceStartResponse> {
    return this.logins.start({ email: body.email, codeChallenge: body.code_challenge, deviceName: body.device_name });
  }

  /** Polling has its own budget: a login polls every 5 s for up to 15 minutes. */
  @Post('poll')
  @RateLimit('authPoll')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Poll an email-approved login',
    description: 'Every `interval` seconds until complete; unknown and not yet approved codes both answer pending. Polls have their own rate limit per client IP (SYNC_RATE_LIMIT_AUTH_POLL, 300 / min by default).',
  })
  @ApiPollResponse()
  @ApiErrors('bad_request', 'invalid_verifier', { expired: 'the login expired, or its key was already issued' })
  poll(@Body() body: DevicePollDto): Promise<PollResponse> {
    return this.logins.poll(body.device_code, body.code_verifier);
  }
}
