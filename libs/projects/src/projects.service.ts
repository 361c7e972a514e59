import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { ProjectDatabases, sqliteHandle } from '@td-sync/storage';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import { newProjectId, pickFreshId } from './project-id';
import { ProjectRecord, ProjectView, toProjectView } from './project-view';

export interface NewProject {
  name: string;
  description: string;
}

/** Absent fields stay as they are. */
export interface ProjectChanges {
  name?: string;
  description?: string;
}

const PROJECT_COLUMNS = 'id, name, description, created_at, updated_at, deleted_at';

/**
 * Projects in the server database. Who may call what is decided by
 * ProjectRoleGuard before any of this runs; the checks here are about the
 * data (a project deleted meanwhile is 404), never about roles.
 */
@Injectable()
export class ProjectsService {
  private readonly logger = new Logger(ProjectsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly databases: ProjectDatabases,
  ) {}

  /**
   * Creates the project with `ownerId` as its owner, event database first: the
   * project row only appears once its database exists, and if either step
   * fails neither is left behind.
   */
  async create(ownerId: string, input: NewProject): Promise<ProjectView> {
    const db = sqliteHandle(this.dataSource);
    const id = pickFreshId(newProjectId, (candidate) => this.isTaken(candidate));
    try {
      await this.databases.create(id);
      // Stamped once the database exists, so creation times follow insertion order.
      const now = new Date().toISOString();
      const project: ProjectRecord = { id, ...input, created_at: now, updated_at: now, deleted_at: null };
      db.transaction(() => {
        db.prepare(
          `INSERT INTO projects (${PROJECT_COLUMNS}) VALUES (@id, @name, @description, @created_at, @updated_at, @deleted_at)`,
        ).run(project);
        db.prepare(
          `INSERT INTO memberships (project_id, user_id, role, invited_by, created_at) VALUES (?, ?, 'owner', NULL, ?)`,
        ).run(id, ownerId, now);
      })();
      return toProjectView(project);
    } catch (error) {
      await this.undoCreation(id);
      throw error;
    }
  }

  /** The live projects `userId` is a member of, oldest first. */
  listFor(userId: string): ProjectView[] {
    const rows = sqliteHandle(this.dataSource)
      .prepare(
        `SELECT p.id, p.name, p.description, p.created_at, p.updated_at, p.deleted_at
         FROM projects p JOIN memberships m ON m.project_id = p.id
         WHERE m.user_id = ? AND p.deleted_at IS NULL
         ORDER BY p.created_at, p.rowid`,
      )
      .all(userId) as ProjectRecord[];
    return rows.map(toProjectView);
  }

  get(id: string): ProjectView {
    const project = this.findLive(id);
    if (!project) throw new NotFoundException('project not found');
    return toProjectView(project);
  }

  update(id: string, changes: ProjectChanges): ProjectView {
    const db = sqliteHandle(this.dataSource);
    const updated = db.transaction((): ProjectRecord => {
      const current = this.findLive(id);
      if (!current) throw new NotFoundException('project not found');
      if (changes.name === undefined && changes.description === undefined) return current;
      const next: ProjectRecord = {
        ...current,
        name: changes.name ?? current.name,
        description: changes.description ?? current.description,
        updated_at: new Date().toISOString(),
      };
      db.prepare('UPDATE projects SET name = @name, description = @description, updated_at = @updated_at WHERE id = @id').run(next);
      return next;
    })();
    return toProjectView(updated);
  }

  /** Soft delete: the row and the event database stay, and every route of the project answers 404 from now on. */
  softDelete(id: string): void {
    const now = new Date().toISOString();
    const result = sqliteHandle(this.dataSource)
      .prepare('UPDATE projects SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL')
      .run(now, now, id);
    if (result.changes === 0) throw new NotFoundException('project not found');
  }

  private findLive(id: string): ProjectRecord | undefined {
    return sqliteHandle(this.dataSource)
      .prepare(`SELECT ${PROJECT_COLUMNS} FROM projects WHERE id = ? AND deleted_at IS NULL`)
      .get(id) as ProjectRecord | undefined;
  }

  /** Removes what a failed creation left on disk; the id was fresh, so nothing there belongs to anyone else. */
  private async undoCreation(id: string): Promise<void> {
    if (!existsSync(dirname(this.databases.pathOf(id)))) return;
    try {
      await this.databases.remove(id);
    } catch (cleanup) {
      this.logger.error(`removing the event database of failed project ${id} failed: ${(cleanup as Error).message}`);
    }
  }

  /** In use by a project, live or deleted, or by a directory on disk. */
  private isTaken(id: string): boolean {
    const row = sqliteHandle(this.dataSource).prepare('SELECT 1 FROM projects WHERE id = ?').get(id);
    return row !== undefined || existsSync(dirname(this.databases.pathOf(id)));
  }
}
