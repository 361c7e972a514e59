import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_TAGS, ApiErrors, Public, RateLimit } from '@td-sync/http';
import { CodeLoginEnabledGuard } from './code-login-enabled.guard';
import { ApiPollResponse } from './dto/api-poll-response.decorator';
import { LoginPollDto } from './dto/login-poll.dto';
import { LoginStartResponseDto } from './dto/login-start-response.dto';
import { LoginStartDto } from './dto/login-start.dto';
import { LoginStartResponse, PollResponse } from './login-responses';
import { UserCodeLoginService } from './user-code-login.service';

/** The typed-code device login's API (the page is VerifyPageController); 410 in code login mode "off". */
@Public()
@RateLimit('auth')
@UseGuards(CodeLoginEnabledGuard)
@ApiTags(API_TAGS.codeLogin.name)
@ApiErrors('rate_limited', 'endpoint_disabled')
@Controller('v1/auth/login')
export class LoginController {
  constructor(private readonly logins: UserCodeLoginService) {}

  @Post('start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start a typed-code login', description: 'Answers a code for the person to type on verification_uri. With signups off, an email with no account is refused.' })
  @ApiOkResponse({ type: LoginStartResponseDto })
  @ApiErrors('bad_request', 'signup_disabled')
  start(@Body() body: LoginStartDto): Promise<LoginStartResponse> {
    return this.logins.start(body.email);
  }

  /** Polling has its own budget: a login polls every 5 s for up to 15 minutes. */
  @Post('poll')
  @RateLimit('authPoll')
  @HttpCode(200)
  @ApiOperation({ summary: 'Poll a typed-code login', description: 'Every `interval` seconds until complete. Polls have their own rate limit per client IP (SYNC_RATE_LIMIT_AUTH_POLL, 300 / min by default).' })
  @ApiPollResponse()
  @ApiErrors('bad_request', { not_found: 'unknown device_code' }, 'expired', 'already_used')
  poll(@Body() body: LoginPollDto): Promise<PollResponse> {
    return this.logins.poll(body.device_code);
  }
}
