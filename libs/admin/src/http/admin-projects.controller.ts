import { BadRequestException, Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { API_TAGS, ApiBearerKey, ApiErrors, RateLimit } from '@td-sync/http';
import { AdminMemberView, AdminProjectDetail, AdminProjectView, AdminSyncStatus } from '../admin-views';
import { AdminMemberListDto } from '../dto/admin-member-list.dto';
import { AdminProjectDetailDto } from '../dto/admin-project-detail.dto';
import { AdminProjectPageDto } from '../dto/admin-project-page.dto';
import { AdminSyncStatusDto } from '../dto/admin-sync-status.dto';
import { MemberAdministration } from '../member-administration';
import { ProjectAdministration } from '../project-administration';
import { AdminScopeGuard } from './admin-scope.guard';
import { ADMIN_SCOPE_REFUSAL } from './admin-scope-refusal';
import { ApiListQuery } from './api-list-query.decorator';
import { ListOf, Page, parseListQuery, single, toPage } from './list-query';

const PROJECT_ID = { name: 'id', description: 'The project id (p_ and 16 hex digits); deleted projects too.' };

/** Every project, whoever its members are, for admin keys, on the reference server's paths and field names. */
@RateLimit('other')
@UseGuards(AdminScopeGuard)
@ApiTags(API_TAGS.admin.name)
@ApiBearerKey()
@ApiErrors(ADMIN_SCOPE_REFUSAL)
@Controller('v1/admin/projects')
export class AdminProjectsController {
  constructor(
    private readonly projects: ProjectAdministration,
    private readonly members: MemberAdministration,
  ) {}

  /** `?q=` filters by name, `?include_deleted=true` adds soft-deleted projects; paged like the users. */
  @Get()
  @ApiOperation({ summary: 'Every project', description: 'Whoever its members are, in id order, in pages.' })
  @ApiListQuery('name')
  @ApiQuery({ name: 'include_deleted', required: false, type: Boolean, description: 'true: soft-deleted projects too.' })
  @ApiOkResponse({ type: AdminProjectPageDto })
  @ApiErrors({ bad_request: 'a limit that is not a whole number from 1, a cursor not from a previous page, or include_deleted other than true or false' })
  async list(@Query() query: Record<string, unknown>): Promise<Page<AdminProjectView>> {
    const { q, limit, afterId } = parseListQuery(query);
    const includeDeleted = parseFlag(single(query, 'include_deleted'), 'include_deleted');
    return toPage(await this.projects.list({ includeDeleted, nameContains: q, afterId, limit: limit + 1 }), limit);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One project', description: 'Live or deleted, with its members, event count, last seq, newest event and size in storage.' })
  @ApiParam(PROJECT_ID)
  @ApiOkResponse({ type: AdminProjectDetailDto })
  @ApiErrors({ not_found: 'no such project' })
  get(@Param('id') id: string): Promise<AdminProjectDetail> {
    return this.projects.show(id);
  }

  @Get(':id/members')
  @ApiOperation({ summary: "A project's members, with their emails", description: 'Oldest first; deleted projects too.' })
  @ApiParam(PROJECT_ID)
  @ApiOkResponse({ type: AdminMemberListDto })
  @ApiErrors({ not_found: 'no such project' })
  async membersOf(@Param('id') id: string): Promise<ListOf<AdminMemberView>> {
    return { data: await this.members.list(id) };
  }

  @Get(':id/sync/status')
  @ApiOperation({ summary: "A project's sync status", description: 'As its members see it; deleted projects too.' })
  @ApiParam(PROJECT_ID)
  @ApiOkResponse({ type: AdminSyncStatusDto })
  @ApiErrors({ not_found: 'no such project' })
  syncStatus(@Param('id') id: string): Promise<AdminSyncStatus> {
    return this.projects.syncStatus(id);
  }
}

function parseFlag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new BadRequestException(`${name} must be true or false`);
}
