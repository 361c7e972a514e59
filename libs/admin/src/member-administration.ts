import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { isValidEmail, normalizeEmail, UsersService } from '@td-sync/auth';
import { PROJECT_ROLES } from '@td-sync/projects';
import { isProjectId, MembershipsRepository, ProjectRole, ProjectsRepository, UsersRepository } from '@td-sync/storage';
import { AdminMemberView, toMemberView } from './admin-views';

/** A project's members as the operator sees and sets them, whoever owns the project. */
@Injectable()
export class MemberAdministration {
  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly projects: ProjectsRepository,
    private readonly users: UsersRepository,
    private readonly accounts: UsersService,
  ) {}

  /** The project's members with their emails, oldest first; 404 for an unknown project (deleted ones have members too). */
  async list(projectId: string): Promise<AdminMemberView[]> {
    if (!isProjectId(projectId) || !(await this.projects.find(projectId))) throw new NotFoundException(`no project ${projectId}`);
    const memberships = await this.memberships.list(projectId);
    const users = await Promise.all(memberships.map((m) => this.users.findById(m.user_id)));
    return memberships.map((membership, i) => toMemberView(membership, users[i]));
  }

  /**
   * Adds a member to a live project, creating the account of an unknown
   * address (as the members API does), so that a migrated or orphaned
   * project can get its first owner.
   */
  async add(projectId: string, email: string, role: string): Promise<AdminMemberView> {
    if (!(PROJECT_ROLES as readonly string[]).includes(role)) {
      throw new BadRequestException(`role must be one of ${PROJECT_ROLES.join(', ')}, not ${JSON.stringify(role)}`);
    }
    const address = normalizeEmail(email);
    if (!isValidEmail(address)) throw new BadRequestException(`not an email address: ${JSON.stringify(email)}`);
    if (!isProjectId(projectId) || !(await this.projects.findLive(projectId))) throw new NotFoundException(`no live project ${projectId}`);
    const user = await this.accounts.findOrCreate(address);
    const outcome = await this.memberships.add(projectId, user.id, role as ProjectRole, null);
    switch (outcome.kind) {
      case 'added':
        return toMemberView(outcome.membership, user);
      case 'project_not_found':
        throw new NotFoundException(`no live project ${projectId}`);
      case 'user_not_found':
        throw new NotFoundException(`no user ${address}`);
      case 'already_member':
        throw new ConflictException(`${address} is already a member of ${projectId} (as ${outcome.role})`);
    }
  }
}
