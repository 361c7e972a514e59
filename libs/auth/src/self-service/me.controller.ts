import { Controller, Delete, Get, HttpCode, HttpStatus } from '@nestjs/common';
import { RateLimit, type AuthenticatedUser } from '@td-sync/http';
import { CurrentUser } from '../current-user.decorator';
import { MeView } from './me-view';
import { MeService } from './me.service';

/** Self-service for any key holder (PROTOCOL.md, Additions of round 2: /v1/me). */
@RateLimit('other')
@Controller('v1/me')
export class MeController {
  constructor(private readonly me: MeService) {}

  @Get()
  show(@CurrentUser() caller: AuthenticatedUser): Promise<MeView> {
    return this.me.describe(caller);
  }

  /** Log out: the calling key is revoked, so the next request with it is 401. */
  @Delete('keys/current')
  @HttpCode(HttpStatus.NO_CONTENT)
  revokeCurrentKey(@CurrentUser() caller: AuthenticatedUser): Promise<void> {
    return this.me.revokeCurrentKey(caller);
  }
}
