import { Injectable, NotFoundException } from '@nestjs/common';
import { Clock } from '@td-sync/http';
import { EventStore, isProjectId, Project, ProjectsRepository } from '@td-sync/storage';
import { AdminProjectDetail, AdminProjectView, AdminSyncStatus, toProjectView } from './admin-views';
import { MemberAdministration } from './member-administration';

export interface ProjectListing {
  includeDeleted: boolean;
  nameContains?: string;
  afterId?: string;
  limit?: number;
}

/** A soft-deleted project that purge-deleted removed (or, on a dry run, would remove). */
export interface PurgedProject {
  id: string;
  name: string;
  deleted_at: string;
  /** False on a dry run, or when the project changed (was purged by someone else) meanwhile. */
  purged: boolean;
}

/** Projects as the operator sees them, live and deleted, whoever their members are. */
@Injectable()
export class ProjectAdministration {
  constructor(
    private readonly projects: ProjectsRepository,
    private readonly events: EventStore,
    private readonly members: MemberAdministration,
    private readonly clock: Clock,
  ) {}

  /** In id order (the admin API pages by id). */
  async list(listing: ProjectListing): Promise<AdminProjectView[]> {
    return (await this.projects.listAll(listing)).map((project) => toProjectView(project, project.member_count));
  }

  /** The project with its members (with emails), event count, newest event and size in storage. */
  async show(id: string): Promise<AdminProjectDetail> {
    const project = await this.find(id);
    const [members, log] = await Promise.all([this.members.list(project.id), this.events.summary(project.id)]);
    const detail: AdminProjectDetail = {
      ...toProjectView(project, members.length),
      event_count: log?.eventCount ?? 0,
      last_server_seq: log?.lastServerSeq ?? 0,
      last_event_at: log?.lastEventTime ?? null,
      size_bytes: log?.bytesOnDisk ?? 0,
      members,
    };
    if (!log) detail.event_log_missing = true;
    return detail;
  }

  /** As GET .../sync/status answers a member, for any project, deleted ones included. */
  async syncStatus(id: string): Promise<AdminSyncStatus> {
    const project = await this.find(id);
    const log = await this.events.summary(project.id);
    const status: AdminSyncStatus = { event_count: log?.eventCount ?? 0, last_server_seq: log?.lastServerSeq ?? 0 };
    if (log?.lastEventTime !== undefined) status.last_event_time = log.lastEventTime;
    return status;
  }

  /**
   * Removes every project soft-deleted more than `olderThanMs` ago, with its
   * memberships and event log, oldest deletion first. A project is gone for
   * its clients from the moment it is deleted; the grace period is the
   * operator's chance to undo a mistaken delete from the data still on disk.
   */
  async purgeDeleted(olderThanMs: number, options: { dryRun: boolean }): Promise<PurgedProject[]> {
    const cutoff = new Date(this.clock.now().getTime() - olderThanMs).toISOString();
    const due = (await this.projects.listAll({ includeDeleted: true }))
      .filter((project): project is typeof project & { deleted_at: string } => project.deleted_at !== null && project.deleted_at < cutoff)
      .sort((a, b) => a.deleted_at.localeCompare(b.deleted_at));
    const purged: PurgedProject[] = [];
    for (const project of due) {
      const done = !options.dryRun && (await this.projects.purgeDeleted(project.id, cutoff));
      purged.push({ id: project.id, name: project.name, deleted_at: project.deleted_at, purged: done });
    }
    return purged;
  }

  /** Live or deleted; 404 for anything else, malformed ids included. */
  private async find(id: string): Promise<Project> {
    const project = isProjectId(id) ? await this.projects.find(id) : undefined;
    if (!project) throw new NotFoundException(`no project ${id}`);
    return project;
  }
}
