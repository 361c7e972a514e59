import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { AccessDecision, isProjectId, MembershipsRepository, ProjectRole } from '@td-sync/storage';
import { roleAtLeast } from './project-role';

/**
 * The one decision on who may do what in a project (PROTOCOL.md's role
 * table): an unknown, malformed or soft-deleted project is 404, for members
 * and strangers alike, so a deleted project is gone for everyone; a caller who
 * is not a member, or holds too low a role, is 403 with a message naming the
 * role needed.
 *
 * The rule is a pure function of the project's state and the caller's role
 * (`decision(role)`), so storage can apply it inside the very step that does
 * the work: the sync service passes it to the EventStore, which reads the
 * facts and appends with no await in between. `check` applies it now, for the
 * route guard's early answer.
 */
@Injectable()
export class ProjectAccess {
  /** One decision per role, made once: the hot path passes them without allocating. */
  private readonly decisions: Readonly<Record<ProjectRole, AccessDecision>> = {
    reader: decideFor('reader'),
    writer: decideFor('writer'),
    owner: decideFor('owner'),
  };

  constructor(private readonly memberships: MembershipsRepository) {}

  /** The rule for a route that needs at least `required`: throws the 404 or 403, returns to admit. */
  decision(required: ProjectRole): AccessDecision {
    return this.decisions[required];
  }

  /** Whether `userId` (undefined: nobody authenticated) may act as `required` on `projectId` now; throws the refusal. */
  check(projectId: unknown, userId: string | undefined, required: ProjectRole): Promise<void> {
    if (!isProjectId(projectId)) return Promise.reject(projectNotFound());
    // No user has the empty id: a request without a caller is a non-member.
    return this.memberships.checkAccess(projectId, userId ?? '', this.decisions[required]);
  }

  /**
   * The project id of a route that has no early check
   * (@RequireRoleInStorage) and no other input to parse: an id no project can
   * have is 404 at once, as the guard answers it, without asking storage;
   * whether the project exists and the caller may act in it is for the
   * storage call to decide.
   */
  projectIdOf(projectId: unknown): string {
    if (!isProjectId(projectId)) throw projectNotFound();
    return projectId;
  }

  /**
   * The input `parse` reads from a request, for a route that has no early
   * check (@RequireRoleInStorage) because its storage call applies
   * `decision(required)` itself, atomically with the work: a valid request
   * then reads the caller's role once, not twice. An id no project can have
   * is 404 at once. Input that `parse` refuses is answered with the caller's
   * 404 or 403, if they have one, before its 400, as the guard would: a
   * stranger learns nothing from a 400.
   */
  async parseFor<T>(projectId: unknown, userId: string | undefined, required: ProjectRole, parse: () => T | Promise<T>): Promise<T> {
    this.projectIdOf(projectId);
    try {
      return await parse();
    } catch (refusal) {
      await this.check(projectId, userId, required);
      throw refusal;
    }
  }
}

function decideFor(required: ProjectRole): AccessDecision {
  return (projectLive, role) => {
    if (!projectLive) throw projectNotFound();
    if (role === null) throw notAMember(required);
    if (!roleAtLeast(role, required)) throw new ForbiddenException(`requires ${required} role (you are ${role})`);
  };
}

function projectNotFound(): NotFoundException {
  return new NotFoundException('project not found');
}

function notAMember(required: ProjectRole): ForbiddenException {
  return new ForbiddenException(`requires ${required} role: you are not a member of this project`);
}
