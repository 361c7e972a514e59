import { Controller, Delete, Get, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_TAGS, ApiBearerKey, RateLimit, type AuthenticatedUser } from '@td-sync/http';
import { CurrentUser } from '../current-user.decorator';
import { MeResponseDto } from './dto/me-response.dto';
import { MeView } from './me-view';
import { MeService } from './me.service';

/** Self-service for any key holder (PROTOCOL.md, Additions of round 2: /v1/me). */
@RateLimit('other')
@ApiTags(API_TAGS.selfService.name)
@ApiBearerKey()
@Controller('v1/me')
export class MeController {
  constructor(private readonly me: MeService) {}

  @Get()
  @ApiOperation({ summary: 'Who the caller is, and which key they called with' })
  @ApiOkResponse({ type: MeResponseDto })
  show(@CurrentUser() caller: AuthenticatedUser): Promise<MeView> {
    return this.me.describe(caller);
  }

  /** Log out: the calling key is revoked, so the next request with it is 401. */
  @Delete('keys/current')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke the calling key (log a device out)', description: 'Every request with this key is 401 from now on; the user\'s other keys are untouched.' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  revokeCurrentKey(@CurrentUser() caller: AuthenticatedUser): Promise<void> {
    return this.me.revokeCurrentKey(caller);
  }
}
