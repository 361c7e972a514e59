import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { Public, RateLimit } from '@td-sync/http';
import { CodeLoginEnabledGuard } from './code-login-enabled.guard';
import { LoginPollDto } from './dto/login-poll.dto';
import { LoginStartDto } from './dto/login-start.dto';
import { LoginStartResponse, PollResponse } from './login-responses';
import { UserCodeLoginService } from './user-code-login.service';

/** The typed-code device login's API (the page is VerifyPageController); 410 in code login mode "off". */
@Public()
@RateLimit('auth')
@UseGuards(CodeLoginEnabledGuard)
@Controller('v1/auth/login')
export class LoginController {
  constructor(private readonly logins: UserCodeLoginService) {}

  @Post('start')
  @HttpCode(200)
  start(@Body() body: LoginStartDto): Promise<LoginStartResponse> {
    return this.logins.start(body.email);
  }

  /** Polling has its own budget: a login polls every 5 s for up to 15 minutes. */
  @Post('poll')
  @RateLimit('authPoll')
  @HttpCode(200)
  poll(@Body() body: LoginPollDto): Promise<PollResponse> {
    return this.logins.poll(body.device_code);
  }
}
