import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Public, RateLimit } from '@td-sync/http';
import { DevicePollDto } from './dto/device-poll.dto';
import { DeviceStartDto } from './dto/device-start.dto';
import { EmailLinkLoginService } from './email-link-login.service';
import { DeviceStartResponse, PollResponse } from './login-responses';

/** The email-approved PKCE device login's API (the page is ApprovePageController). */
@Public()
@RateLimit('auth')
@Controller('v1/auth/device')
export class DeviceLoginController {
  constructor(private readonly logins: EmailLinkLoginService) {}

  @Post('start')
  @HttpCode(200)
  start(@Body() body: DeviceStartDto): Promise<DeviceStartResponse> {
    return this.logins.start({ email: body.email, codeChallenge: body.code_challenge, deviceName: body.device_name });
  }

  /** Polling has its own budget: a login polls every 5 s for up to 15 minutes. */
  @Post('poll')
  @RateLimit('authPoll')
  @HttpCode(200)
  poll(@Body() body: DevicePollDto): Promise<PollResponse> {
    return this.logins.poll(body.device_code, body.code_verifier);
  }
}
