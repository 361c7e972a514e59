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

  @Patch(':userId')
  @RequireRole('owner')
  async updateRole(@Param('id') projectId: string, @Param('userId') userId: string, @Body() body: UpdateMemberDto): Promise<{ status: 'updated' }> {
    await this.members.updateRole(projectId, userId, body.role);
    return { status: 'updated' };
  }

  @Delete(':userId')
  @RequireRole('owner')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@Param('id') projectId: string, @Param('userId') userId: string): Promise<void> {
    return this.members.remove(projectId, userId);
  }
}
