import { Injectable, NotFoundException } from '@nestjs/common';
import { ProjectChanges, ProjectsRepository } from '@td-sync/storage';
import { newProjectId, pickFreshId } from './project-id';
import { ProjectView, toProjectView } from './project-view';

export interface NewProjectInput {
  name: string;
  description: string;
}

/**
 * Projects. Who may call what is decided by ProjectAccess (through the route
 * guard) before any of this runs; the checks here are about the data (a
 * project deleted meanwhile is 404), never about roles.
 */
@Injectable()
export class ProjectsService {
  constructor(private readonly projects: ProjectsRepository) {}

  /** Creates the project with `ownerId` as its owner, under a fresh id. */
  async create(ownerId: string, input: NewProjectInput): Promise<ProjectView> {
    const id = await pickFreshId(newProjectId, (candidate) => this.projects.idInUse(candidate));
    return toProjectView(await this.projects.createWithOwner({ id, ...input }, ownerId));
  }

  /** The live projects `userId` is a member of, oldest first. */
  async listFor(userId: string): Promise<ProjectView[]> {
    return (await this.projects.listLiveFor(userId)).map(toProjectView);
  }

  async get(id: string): Promise<ProjectView> {
    const project = await this.projects.findLive(id);
    if (!project) throw new NotFoundException('project not found');
    return toProjectView(project);
  }

  /** Absent fields stay as they are; a change of nothing changes nothing, updated_at included. */
  async update(id: string, changes: ProjectChanges): Promise<ProjectView> {
    const nothing = changes.name === undefined && changes.description === undefined;
    const project = nothing ? await this.projects.findLive(id) : await this.projects.updateLive(id, changes);
    if (!project) throw new NotFoundException('project not found');
    return toProjectView(project);
  }

  /** Soft delete: the row and the event log stay, and every route of the project answers 404 from now on. */
  async softDelete(id: string): Promise<void> {
    if (!(await this.projects.softDelete(id))) throw new NotFoundException('project not found');
  }
}
