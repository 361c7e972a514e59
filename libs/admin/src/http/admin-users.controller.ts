import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Query, UseGuards } from '@nestjs/common';
import { RateLimit } from '@td-sync/http';
import { AdminKeyView, AdminUserDetail, AdminUserView } from '../admin-views';
import { KeyAdministration } from '../key-administration';
import { UserAdministration } from '../user-administration';
import { AdminScopeGuard } from './admin-scope.guard';
import { Page, parseListQuery, toPage } from './list-query';

/** Users and their keys for admin keys, on the reference server's paths and field names. */
@RateLimit('other')
@UseGuards(AdminScopeGuard)
@Controller('v1/admin/users')
export class AdminUsersController {
  constructor(
    private readonly users: UserAdministration,
    private readonly keys: KeyAdministration,
  ) {}

  /** `?q=` filters by address; pages of `limit` (50, at most 200) in id order, continued with `cursor`. */
  @Get()
  async list(@Query() query: Record<string, unknown>): Promise<Page<AdminUserView>> {
    const { q, limit, afterId } = parseListQuery(query);
    return toPage(await this.users.list({ emailContains: q, afterId, limit: limit + 1 }), limit);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<AdminUserDetail> {
    return this.users.get(id);
  }

  @Get(':id/keys')
  async keysOf(@Param('id') id: string): Promise<{ data: AdminKeyView[] }> {
    return { data: await this.keys.list(id) };
  }

  /** Revokes the key (its holder's next request is 401); 404 unless the key is this user's. Revoking twice is fine. */
  @Delete(':id/keys/:keyId')
  @HttpCode(HttpStatus.NO_CONTENT)
  async revokeKey(@Param('id') id: string, @Param('keyId') keyId: string): Promise<void> {
    await this.keys.revokeForUser(id, keyId);
  }
}
