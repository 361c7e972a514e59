import { BadRequestException, Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { RateLimit } from '@td-sync/http';
import { AdminMemberView, AdminProjectDetail, AdminProjectView, AdminSyncStatus } from '../admin-views';
import { MemberAdministration } from '../member-administration';
import { ProjectAdministration } from '../project-administration';
import { AdminScopeGuard } from './admin-scope.guard';
import { Page, parseListQuery, single, toPage } from './list-query';

/** Every project, whoever its members are, for admin keys, on the reference server's paths and field names. */
@RateLimit('other')
@UseGuards(AdminScopeGuard)
@Controller('v1/admin/projects')
export class AdminProjectsController {
  constructor(
    private readonly projects: ProjectAdministration,
    private readonly members: MemberAdministration,
  ) {}

  /** `?q=` filters by name, `?include_deleted=true` adds soft-deleted projects; paged like the users. */
  @Get()
  async list(@Query() query: Record<string, unknown>): Promise<Page<AdminProjectView>> {
    const { q, limit, afterId } = parseListQuery(query);
    const includeDeleted = parseFlag(single(query, 'include_deleted'), 'include_deleted');
    return toPage(await this.projects.list({ includeDeleted, nameContains: q, afterId, limit: limit + 1 }), limit);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<AdminProjectDetail> {
    return this.projects.show(id);
  }

  @Get(':id/members')
  async membersOf(@Param('id') id: string): Promise<{ data: AdminMemberView[] }> {
    return { data: await this.members.list(id) };
  }

  @Get(':id/sync/status')
  syncStatus(@Param('id') id: string): Promise<AdminSyncStatus> {
    return this.projects.syncStatus(id);
  }
}

function parseFlag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new BadRequestException(`${name} must be true or false`);
}
