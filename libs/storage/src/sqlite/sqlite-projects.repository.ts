import { Logger } from '@nestjs/common';
import type { Database, Statement, Transaction } from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ProjectDatabases } from '../project-databases';
import type { Membership } from '../records/membership';
import type { Project } from '../records/project';
import { NewProject, ProjectChanges, ProjectListQuery, ProjectsRepository, ProjectSummary } from '../repositories/projects.repository';

const PROJECT_COLUMNS = 'id, name, description, created_at, updated_at, deleted_at';

const SUMMARY = `
  SELECT p.id, p.name, p.description, p.created_at, p.updated_at, p.deleted_at,
    (SELECT count(*) FROM memberships m WHERE m.project_id = p.id) AS member_count
  FROM projects p
  WHERE (@deleted = 1 OR p.deleted_at IS NULL)
    AND (@contains IS NULL OR instr(lower(p.name), @contains) > 0)
    AND (@after IS NULL OR p.id > @after)
  ORDER BY p.id
  LIMIT @limit`;

/** Projects in the server database; each has its event database beside it (ProjectDatabases). */
export class SqliteProjectsRepository extends ProjectsRepository {
  private readonly logger = new Logger('SqliteProjects');
  private readonly byId: Statement<[string], { id: string }>;
  private readonly liveById: Statement<[string], Project>;
  private readonly liveForUser: Statement<[string], Project>;
  private readonly change: Statement<[{ id: string; name: string | null; description: string | null; updated_at: string }], Project>;
  private readonly markDeleted: Statement<[string, string, string]>;
  private readonly insertWithOwner: Transaction<(project: Project, ownerId: string) => void>;
  private readonly anyById: Statement<[string], Project>;
  private readonly summaries: Statement<[{ deleted: number; contains: string | null; after: string | null; limit: number }], ProjectSummary>;
  private readonly insertProjectWithMembers: Transaction<(project: Project, memberships: Membership[]) => void>;
  private readonly deleteIfDeletedBefore: Statement<[string, string]>;

  constructor(
    db: Database,
    private readonly databases: ProjectDatabases,
  ) {
    super();
    this.byId = db.prepare('SELECT id FROM projects WHERE id = ?');
    this.liveById = db.prepare(`SELECT ${PROJECT_COLUMNS} FROM projects WHERE id = ? AND deleted_at IS NULL`);
    this.liveForUser = db.prepare(
      `SELECT p.id, p.name, p.description, p.created_at, p.updated_at, p.deleted_at
       FROM projects p JOIN memberships m ON m.project_id = p.id
       WHERE m.user_id = ? AND p.deleted_at IS NULL
       ORDER BY p.created_at, p.rowid`,
    );
    this.change = db.prepare(
      `UPDATE projects SET name = coalesce(@name, name), description = coalesce(@description, description), updated_at = @updated_at
       WHERE id = @id AND deleted_at IS NULL
       RETURNING ${PROJECT_COLUMNS}`,
    );
    this.markDeleted = db.prepare('UPDATE projects SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL');
    const insertProject = db.prepare(
      `INSERT INTO projects (${PROJECT_COLUMNS}) VALUES (@id, @name, @description, @created_at, @updated_at, @deleted_at)`,
    );
    const insertOwner = db.prepare(`INSERT INTO memberships (project_id, user_id, role, invited_by, created_at) VALUES (?, ?, 'owner', NULL, ?)`);
    this.insertWithOwner = db.transaction((project: Project, ownerId: string) => {
      insertProject.run(project);
      insertOwner.run(project.id, ownerId, project.created_at);
    });
    this.anyById = db.prepare(`SELECT ${PROJECT_COLUMNS} FROM projects WHERE id = ?`);
    this.summaries = db.prepare(SUMMARY);
    const insertMember = db.prepare(
      `INSERT INTO memberships (project_id, user_id, role, invited_by, created_at) VALUES (@project_id, @user_id, @role, @invited_by, @created_at)`,
    );
    this.insertProjectWithMembers = db.transaction((project: Project, memberships: Membership[]) => {
      insertProject.run(project);
      for (const membership of memberships) insertMember.run(membership);
    });
    // Memberships go with the row (ON DELETE CASCADE).
    this.deleteIfDeletedBefore = db.prepare('DELETE FROM projects WHERE id = ? AND deleted_at IS NOT NULL AND deleted_at < ?');
  }

  /** A row, live or deleted, or a directory on disk: undoing a failed creation deletes the directory, which must never be another project's. */
  async idInUse(id: string): Promise<boolean> {
    return this.byId.get(id) !== undefined || existsSync(dirname(this.databases.pathOf(id)));
  }

  /** Event database first: the row only appears once its database exists, and if either step fails neither is left behind. */
  async createWithOwner(input: NewProject, ownerId: string): Promise<Project> {
    try {
      await this.databases.create(input.id);
      // Stamped once the database exists, so creation times follow insertion order.
      const now = new Date().toISOString();
      const project: Project = { ...input, created_at: now, updated_at: now, deleted_at: null };
      this.insertWithOwner(project, ownerId);
      return project;
    } catch (error) {
      await this.undoCreation(input.id);
      throw error;
    }
  }

  async listLiveFor(userId: string): Promise<Project[]> {
    return this.liveForUser.all(userId);
  }

  async findLive(id: string): Promise<Project | undefined> {
    return this.liveById.get(id);
  }

  async updateLive(id: string, changes: ProjectChanges): Promise<Project | undefined> {
    return this.change.get({ id, name: changes.name ?? null, description: changes.description ?? null, updated_at: new Date().toISOString() });
  }

  async softDelete(id: string): Promise<boolean> {
    const now = new Date().toISOString();
    return this.markDeleted.run(now, now, id).changes > 0;
  }

  async find(id: string): Promise<Project | undefined> {
    return this.anyById.get(id);
  }

  async listAll(query: ProjectListQuery): Promise<ProjectSummary[]> {
    return this.summaries.all({
      deleted: query.includeDeleted ? 1 : 0,
      contains: query.nameContains?.toLowerCase() ?? null,
      after: query.afterId ?? null,
      limit: query.limit ?? -1,
    });
  }

  /** Event database first, as for a new project: the row only appears once its database exists. */
  async insertWithMembers(project: Project, memberships: Membership[]): Promise<void> {
    await this.databases.create(project.id);
    this.insertProjectWithMembers(project, memberships);
  }

  /**
   * The row first, so that from then on nothing serves or opens the project;
   * then its directory. Should removing the directory fail, it stays behind
   * with nothing pointing at it, and the error says so.
   */
  async purgeDeleted(id: string, deletedBefore: string): Promise<boolean> {
    if (this.deleteIfDeletedBefore.run(id, deletedBefore).changes === 0) return false;
    try {
      await this.databases.remove(id);
    } catch (error) {
      throw new Error(`project ${id} is purged from the server database, but removing ${dirname(this.databases.pathOf(id))} failed: ${(error as Error).message}`);
    }
    return true;
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
}
