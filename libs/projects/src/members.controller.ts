import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { CurrentUser } from '@td-sync/auth';
import { RateLimit, type AuthenticatedUser } from '@td-sync/http';
import { AddMemberDto } from './dto/add-member.dto';
import { UpdateMemberDto } from './dto/update-member.dto';
import { MemberView } from './member-view';
import { MembersService } from './members.service';
import { RequireRole } from './require-role.decorator';

/** PROTOCOL.md, Members. Roles are checked by @RequireRole() (ProjectAccess) alone. */
@RateLimit('other')
@Controller('v1/projects/:id/members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Post()
  @RequireRole('owner')
  add(@Param('id') projectId: string, @CurrentUser() user: AuthenticatedUser, @Body() body: AddMemberDto): Promise<MemberView> {
    return this.members.add(projectId, { email: body.email, userId: body.user_id }, body.role, user.id);
  }

  @Get()
  @RequireRole('reader')
  list(@Param('id') projectId: string): Promise<MemberView[]> {
    return this.members.list(projectId);
  }

  /** `:member` is the member's user id or email. */
  @Patch(':member')
  @RequireRole('owner')
  async updateRole(@Param('id') projectId: string, @Param('member') member: string, @Body() body: UpdateMemberDto): Promise<{ status: 'updated' }> {
    await this.members.updateRole(projectId, member, body.role);
    return { status: 'updated' };
  }

  @Delete(':member')
  @RequireRole('owner')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@Param('id') projectId: string, @Param('member') member: string): Promise<void> {
    return this.members.remove(projectId, member);
  }
}
