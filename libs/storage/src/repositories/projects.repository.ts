import type { Membership } from '../records/membership';
import type { Project } from '../records/project';

/** What a new project starts with; storage stamps its times. */
export interface NewProject {
  id: string;
  name: string;
  description: string;
}

/** Absent fields stay as they are. */
export interface ProjectChanges {
  name?: string;
  description?: string;
}

/** One project as the operator's listings show it. */
export interface ProjectSummary extends Project {
  member_count: number;
}

/** Which projects to list, in id order (so a listing can be paged by the last id seen). */
export interface ProjectListQuery {
  /** Soft-deleted projects too. */
  includeDeleted: boolean;
  /** Only names containing this text (compared lower-cased). */
  nameContains?: string;
  /** Only ids after this one. */
  afterId?: string;
  /** At most this many; all when absent. */
  limit?: number;
}

/**
 * Projects. Writes stamp `updated_at` (and `created_at`) with the time they
 * are written, so that creation times follow the order in which projects
 * appear. "Live" means not soft-deleted.
 */
export abstract class ProjectsRepository {
  /** Whether a project (live or deleted), or anything else the backend keeps under that id, already uses it. */
  abstract idInUse(id: string): Promise<boolean>;

  /**
   * Creates the project, its event log and `ownerId`'s owner membership, all
   * or nothing: if any part fails, none of it is left behind.
   */
  abstract createWithOwner(project: NewProject, ownerId: string): Promise<Project>;

  /** The live projects `userId` is a member of, oldest first. */
  abstract listLiveFor(userId: string): Promise<Project[]>;

  abstract findLive(id: string): Promise<Project | undefined>;

  /** Applies the changes to a live project and returns it as stored; undefined when it is not live. */
  abstract updateLive(id: string, changes: ProjectChanges): Promise<Project | undefined>;

  /** Marks a live project deleted; false when it was not live. The event log stays. */
  abstract softDelete(id: string): Promise<boolean>;

  /** The project whether live or soft-deleted; undefined when there is none. */
  abstract find(id: string): Promise<Project | undefined>;

  abstract listAll(query: ProjectListQuery): Promise<ProjectSummary[]>;

  /**
   * Inserts a project and its memberships exactly as given (times included),
   * all or nothing, with an event log if it has none yet: a project taken
   * over from another server. Fails when the id is in use.
   */
  abstract insertWithMembers(project: Project, memberships: Membership[]): Promise<void>;

  /**
   * Removes a project that was soft-deleted before `deletedBefore`: its row,
   * its memberships and its event log. False (nothing removed) when the
   * project is live, deleted since then, or gone.
   */
  abstract purgeDeleted(id: string, deletedBefore: string): Promise<boolean>;
}
