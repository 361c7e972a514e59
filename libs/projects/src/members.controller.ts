import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '@td-sync/auth';
import { API_TAGS, ApiBearerKey, ApiErrors, RateLimit, type AuthenticatedUser } from '@td-sync/http';
import { AddMemberDto } from './dto/add-member.dto';
import { MemberResponseDto } from './dto/member-response.dto';
import { MemberUpdatedResponseDto } from './dto/member-updated-response.dto';
import { UpdateMemberDto } from './dto/update-member.dto';
import { MemberView } from './member-view';
import { MembersService } from './members.service';
import { RequireRole } from './require-role.decorator';

/** PROTOCOL.md, Members. Roles are checked by @RequireRole() (ProjectAccess) alone. */
@RateLimit('other')
@ApiTags(API_TAGS.members.name)
@ApiBearerKey()
@Controller('v1/projects/:id/members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Post()
  @RequireRole('owner')
  @ApiOperation({ summary: 'Add a member (owner)', description: 'By email (td sends it) or user_id.' })
  @ApiCreatedResponse({ type: MemberResponseDto })
  @ApiErrors({ bad_request: 'neither email nor user_id, or a role other than owner, writer or reader', not_found: 'no user has this user_id', conflict: 'the user already is a member' })
  add(@Param('id') projectId: string, @CurrentUser() user: AuthenticatedUser, @Body() body: AddMemberDto): Promise<MemberView> {
    return this.members.add(projectId, { email: body.email, userId: body.user_id }, body.role, user.id);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: "A project's members (reader+)", description: 'Oldest first.' })
  @ApiOkResponse({ type: MemberResponseDto, isArray: true })
  list(@Param('id') projectId: string): Promise<MemberView[]> {
    return this.members.list(projectId);
  }

  /** `:member` is the member's user id or email. */
  @Patch(':member')
  @RequireRole('owner')
  @ApiOperation({ summary: "Change a member's role (owner)" })
  @ApiParam({ name: 'member', description: "The member's user id or email." })
  @ApiOkResponse({ type: MemberUpdatedResponseDto })
  @ApiErrors({ bad_request: 'a role other than owner, writer or reader, or demoting the last owner', not_found: 'the user is not a member (or the email has no account)' })
  async updateRole(@Param('id') projectId: string, @Param('member') member: string, @Body() body: UpdateMemberDto): Promise<{ status: 'updated' }> {
    await this.members.updateRole(projectId, member, body.role);
    return { status: 'updated' };
  }

  @Delete(':member')
  @RequireRole('owner')
  @ApiOperation({ summary: 'Remove a member (owner)' })
  @ApiParam({ name: 'member', description: "The member's user id or email." })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiErrors({ bad_request: 'removing the last owner', not_found: 'the user is not a member (or the email has no account)' })
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@Param('id') projectId: string, @Param('member') member: string): Promise<void> {
    return this.members.remove(projectId, member);
  }
}
