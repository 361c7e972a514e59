import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { ADMIN_SCOPE, isValidEmail, normalizeEmail, UsersService } from '@td-sync/auth';
import { Clock } from '@td-sync/http';
import { MembershipsRepository, ProjectsRepository, User, UsersRepository } from '@td-sync/storage';
import { AdminUserDetail, AdminUserView, toUserView } from './admin-views';

export interface UserListing {
  emailContains?: string;
  afterId?: string;
  limit?: number;
}

/** What the operator does with accounts, from the command line and the admin API alike. */
@Injectable()
export class UserAdministration {
  constructor(
    private readonly users: UsersRepository,
    private readonly accounts: UsersService,
    private readonly memberships: MembershipsRepository,
    private readonly projects: ProjectsRepository,
    private readonly clock: Clock,
  ) {}

  /** In id order (the admin API pages by id). */
  async list(listing: UserListing = {}): Promise<AdminUserView[]> {
    const rows = await this.users.list({ now: this.clock.now().toISOString(), ...listing });
    return rows.map((row) => toUserView(row, ADMIN_SCOPE));
  }

  /** One account with the live projects it belongs to. */
  async get(emailOrId: string): Promise<AdminUserDetail> {
    const user = await this.resolve(emailOrId);
    const [view] = await this.users.list({ now: this.clock.now().toISOString(), id: user.id });
    if (!view) throw new NotFoundException(`no user ${emailOrId}`);
    const [memberships, projects] = await Promise.all([this.memberships.listForUser(user.id), this.projects.listLiveFor(user.id)]);
    const roleIn = new Map(memberships.map((m) => [m.project_id, m.role]));
    return {
      ...toUserView(view, ADMIN_SCOPE),
      projects: projects.map((p) => ({ project_id: p.id, name: p.name, role: roleIn.get(p.id)! })),
    };
  }

  /** The account named by its id (`u_...`) or its email address; 404 when there is none. */
  async resolve(emailOrId: string): Promise<User> {
    const value = emailOrId.trim();
    const user = /^u_[0-9a-f]{16}$/.test(value) ? await this.users.findById(value) : await this.accounts.findByEmail(value);
    if (!user) throw new NotFoundException(`no user ${value}`);
    return user;
  }

  /** A new account, as if its owner had logged in once (so it works while sign-ups are off). */
  async create(email: string): Promise<User> {
    const address = normalizeEmail(email);
    if (!isValidEmail(address)) throw new BadRequestException(`not an email address: ${JSON.stringify(email)}`);
    const existing = await this.accounts.findByEmail(address);
    if (existing) throw new ConflictException(`user ${address} already exists (${existing.id})`);
    return this.accounts.findOrCreate(address);
  }

  /** Every key of a disabled user is refused (401) from the next request on; nothing is deleted. */
  disable(emailOrId: string): Promise<{ user: User; changed: boolean }> {
    return this.setDisabled(emailOrId, true);
  }

  enable(emailOrId: string): Promise<{ user: User; changed: boolean }> {
    return this.setDisabled(emailOrId, false);
  }

  private async setDisabled(emailOrId: string, disabled: boolean): Promise<{ user: User; changed: boolean }> {
    const user = await this.resolve(emailOrId);
    if ((user.disabled_at !== null) === disabled) return { user, changed: false };
    const updated = await this.users.setDisabled(user.id, disabled ? this.clock.now().toISOString() : null);
    if (!updated) throw new NotFoundException(`no user ${emailOrId}`);
    return { user: updated, changed: true };
  }
}
