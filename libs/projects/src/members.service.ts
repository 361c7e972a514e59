import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { UsersService } from '@td-sync/auth';
import { MemberChanged, MembershipsRepository, ProjectRole, User } from '@td-sync/storage';
import { lastOwnerRefusal } from './last-owner';
import { MemberView, toMemberView } from './member-view';

/** Whom to add: td sends the email; `user_id` wins when both are given, as on the reference server. */
export interface MemberTarget {
  email?: string;
  userId?: string;
}

/**
 * Memberships of a project. The rules live here (404s, 409, the last owner
 * stays); MembershipsRepository applies each change atomically with the
 * checks it needs, so they hold when the change is written, however many
 * requests arrive at once.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly users: UsersService,
  ) {}

  async add(projectId: string, target: MemberTarget, role: ProjectRole, invitedBy: string): Promise<MemberView> {
    const user = await this.resolveUser(target);
    const outcome = await this.memberships.add(projectId, user.id, role, invitedBy);
    switch (outcome.kind) {
      case 'added':
        return toMemberView({ ...outcome.membership, email: user.email });
      case 'project_not_found':
        throw new NotFoundException('project not found');
      case 'user_not_found':
        throw new NotFoundException('user not found');
      case 'already_member':
        throw new ConflictException(`user is already a member of this project (as ${outcome.role}); change their role instead`);
    }
  }

  /** Oldest first. */
  async list(projectId: string): Promise<MemberView[]> {
    return (await this.memberships.list(projectId)).map(toMemberView);
  }

  /** `member` is the member's user id or email (PROTOCOL.md: `{userIdOrEmail}`). */
  async updateRole(projectId: string, member: string, role: ProjectRole): Promise<void> {
    const userId = await this.memberUserId(member);
    refuseUnless(await this.memberships.updateRole(projectId, userId, role, (current, owners) => lastOwnerRefusal(current, role, owners)));
  }

  /** `member` is the member's user id or email. */
  async remove(projectId: string, member: string): Promise<void> {
    const userId = await this.memberUserId(member);
    refuseUnless(await this.memberships.remove(projectId, userId, (current, owners) => lastOwnerRefusal(current, null, owners)));
  }

  /**
   * The user id a member path segment names. User ids never contain "@" and
   * emails always do, so the two cannot be confused. An email without an
   * account is nobody's membership (404, like an unknown user id).
   */
  private async memberUserId(member: string): Promise<string> {
    if (!member.includes('@')) return member;
    const user = await this.users.findByEmail(member);
    if (!user) throw new NotFoundException('member not found');
    return user.id;
  }

  /**
   * The user to add. An email without an account gets one, so an owner can
   * add a teammate before their first login; that login then finds this
   * account, since both go through UsersService.findOrCreate.
   */
  private async resolveUser(target: MemberTarget): Promise<User> {
    if (target.userId !== undefined) {
      const user = await this.users.findById(target.userId);
      if (!user) throw new NotFoundException('user not found');
      return user;
    }
    if (target.email !== undefined) return this.users.findOrCreate(target.email);
    throw new BadRequestException('email or user_id is required');
  }
}

function refuseUnless(outcome: MemberChanged): void {
  switch (outcome.kind) {
    case 'changed':
      return;
    case 'project_not_found':
      throw new NotFoundException('project not found');
    case 'member_not_found':
      throw new NotFoundException('member not found');
    case 'refused':
      throw new BadRequestException(outcome.reason);
  }
}
