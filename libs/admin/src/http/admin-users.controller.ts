import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Query, UseGuards } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { API_TAGS, ApiBearerKey, ApiErrors, RateLimit } from '@td-sync/http';
import { AdminKeyView, AdminUserDetail, AdminUserView } from '../admin-views';
import { AdminKeyListDto } from '../dto/admin-key-list.dto';
import { AdminUserDetailDto } from '../dto/admin-user-detail.dto';
import { AdminUserPageDto } from '../dto/admin-user-page.dto';
import { KeyAdministration } from '../key-administration';
import { UserAdministration } from '../user-administration';
import { AdminScopeGuard } from './admin-scope.guard';
import { ADMIN_SCOPE_REFUSAL } from './admin-scope-refusal';
import { ListOf, Page, parseListQuery, toPage } from './list-query';
import { ApiListQuery } from './api-list-query.decorator';

const USER_ID = { name: 'id', description: 'The user id (u_…), or the email address.' };

/** Users and their keys for admin keys, on the reference server's paths and field names. */
@RateLimit('other')
@UseGuards(AdminScopeGuard)
@ApiTags(API_TAGS.admin.name)
@ApiBearerKey()
@ApiErrors(ADMIN_SCOPE_REFUSAL)
@Controller('v1/admin/users')
export class AdminUsersController {
  constructor(
    private readonly users: UserAdministration,
    private readonly keys: KeyAdministration,
  ) {}

  /** `?q=` filters by address; pages of `limit` (50, at most 200) in id order, continued with `cursor`. */
  @Get()
  @ApiOperation({ summary: 'Every user', description: 'In id order, in pages.' })
  @ApiListQuery('email')
  @ApiOkResponse({ type: AdminUserPageDto })
  @ApiErrors({ bad_request: 'a limit that is not a whole number from 1, or a cursor not from a previous page' })
  async list(@Query() query: Record<string, unknown>): Promise<Page<AdminUserView>> {
    const { q, limit, afterId } = parseListQuery(query);
    return toPage(await this.users.list({ emailContains: q, afterId, limit: limit + 1 }), limit);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user, with the live projects they belong to' })
  @ApiParam(USER_ID)
  @ApiOkResponse({ type: AdminUserDetailDto })
  @ApiErrors({ not_found: 'no such user' })
  get(@Param('id') id: string): Promise<AdminUserDetail> {
    return this.users.get(id);
  }

  @Get(':id/keys')
  @ApiOperation({ summary: "A user's API keys", description: 'Oldest first, revoked and expired ones included; never the key itself.' })
  @ApiParam(USER_ID)
  @ApiOkResponse({ type: AdminKeyListDto })
  @ApiErrors({ not_found: 'no such user' })
  async keysOf(@Param('id') id: string): Promise<ListOf<AdminKeyView>> {
    return { data: await this.keys.list(id) };
  }

  /** Revokes the key (its holder's next request is 401); 404 unless the key is this user's. Revoking twice is fine. */
  @Delete(':id/keys/:keyId')
  @ApiOperation({ summary: 'Revoke a key', description: 'Its holder is refused (401) from the next request on. Revoking a revoked key changes nothing.' })
  @ApiParam(USER_ID)
  @ApiParam({ name: 'keyId', description: 'The key id (k_…).' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiErrors({ not_found: 'no such user, or the key is not theirs' })
  @HttpCode(HttpStatus.NO_CONTENT)
  async revokeKey(@Param('id') id: string, @Param('keyId') keyId: string): Promise<void> {
    await this.keys.revokeForUser(id, keyId);
  }
}
