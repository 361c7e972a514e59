import type { Membership } from '../records/membership';
import type { Project } from '../records/project';
import { NewProject, ProjectChanges, ProjectListQuery, ProjectsRepository, ProjectSummary } from '../repositories/projects.repository';
import { lockProjectCounter } from './project-counter-lock';
import type { PostgresDatabase } from './postgres-database';

const PROJECT_COLUMNS = 'id, name, description, created_at, updated_at, deleted_at';

const SUMMARY = `
  SELECT p.id, p.name, p.description, p.created_at, p.updated_at, p.deleted_at,
    (SELECT count(*)::int FROM memberships m WHERE m.project_id = p.id) AS member_count
  FROM projects p
  WHERE ($1 OR p.deleted_at IS NULL)
    AND ($2::text IS NULL OR strpos(lower(p.name), $2) > 0)
    AND ($3::text IS NULL OR p.id > $3)
  ORDER BY p.id
  LIMIT $4`;

/**
 * The counter row of a project whose events are already stored (imported
 * before its row, see insertWithMembers): it continues after them.
 */
const ADOPT_COUNTER = `INSERT INTO project_seqs (project_id, last_seq, event_count, last_event_time)
  SELECT $1, coalesce(max(server_seq), 0), count(*),
    (SELECT server_timestamp FROM events WHERE project_id = $1 ORDER BY server_seq DESC LIMIT 1)
  FROM events WHERE project_id = $1`;

/** Projects, each with its counter row in `project_seqs` (its event log is the events rows of its id). */
export class PostgresProjectsRepository extends ProjectsRepository {
  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  async idInUse(id: string): Promise<boolean> {
    const { rows } = await this.db.query<{ used: boolean }>({
      name: 'projects_id_in_use',
      text: 'SELECT EXISTS (SELECT 1 FROM projects WHERE id = $1) AS used',
      values: [id],
    });
    return rows[0].used;
  }

  /** The project, its counter row and its owner in one transaction. */
  async createWithOwner(input: NewProject, ownerId: string): Promise<Project> {
    const now = new Date().toISOString();
    const project: Project = { ...input, created_at: now, updated_at: now, deleted_at: null };
    await this.db.transaction(async (client) => {
      await client.query({
        name: 'projects_insert',
        text: `INSERT INTO projects (${PROJECT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, NULL)`,
        values: [project.id, project.name, project.description, project.created_at, project.updated_at],
      });
      await client.query({ name: 'projects_insert_counter', text: 'INSERT INTO project_seqs (project_id) VALUES ($1)', values: [project.id] });
      await client.query({
        name: 'projects_insert_owner',
        text: `INSERT INTO memberships (project_id, user_id, role, invited_by, created_at) VALUES ($1, $2, 'owner', NULL, $3)`,
        values: [project.id, ownerId, project.created_at],
      });
    });
    return project;
  }

  async listLiveFor(userId: string): Promise<Project[]> {
    const { rows } = await this.db.query<Project>({
      name: 'projects_live_for_user',
      text: `SELECT p.id, p.name, p.description, p.created_at, p.updated_at, p.deleted_at
             FROM projects p JOIN memberships m ON m.project_id = p.id
             WHERE m.user_id = $1 AND p.deleted_at IS NULL
             ORDER BY p.created_at, p.insertion_order`,
      values: [userId],
    });
    return rows;
  }

  async findLive(id: string): Promise<Project | undefined> {
    const { rows } = await this.db.query<Project>({
      name: 'projects_find_live',
      text: `SELECT ${PROJECT_COLUMNS} FROM projects WHERE id = $1 AND deleted_at IS NULL`,
      values: [id],
    });
    return rows[0];
  }

  async updateLive(id: string, changes: ProjectChanges): Promise<Project | undefined> {
    const { rows } = await this.db.query<Project>({
      name: 'projects_update_live',
      text: `UPDATE projects SET name = coalesce($2, name), description = coalesce($3, description), updated_at = $4
             WHERE id = $1 AND deleted_at IS NULL
             RETURNING ${PROJECT_COLUMNS}`,
      values: [id, changes.name ?? null, changes.description ?? null, new Date().toISOString()],
    });
    return rows[0];
  }

  /**
   * Takes the project's counter lock first, as every change to who may write
   * does (see lockProjectCounter): a push in progress finishes before the
   * project is gone, and every push after it sees the deletion.
   */
  async softDelete(id: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      if (!(await lockProjectCounter(client, id))) return false;
      const now = new Date().toISOString();
      const { rowCount } = await client.query({
        name: 'projects_soft_delete',
        text: 'UPDATE projects SET deleted_at = $1, updated_at = $1 WHERE id = $2 AND deleted_at IS NULL',
        values: [now, id],
      });
      return rowCount === 1;
    });
  }

  async find(id: string): Promise<Project | undefined> {
    const { rows } = await this.db.query<Project>({ name: 'projects_find', text: `SELECT ${PROJECT_COLUMNS} FROM projects WHERE id = $1`, values: [id] });
    return rows[0];
  }

  async listAll(query: ProjectListQuery): Promise<ProjectSummary[]> {
    const { rows } = await this.db.query<ProjectSummary>({
      name: 'projects_list_all',
      text: SUMMARY,
      values: [query.includeDeleted, query.nameContains?.toLowerCase() ?? null, query.afterId ?? null, query.limit ?? null],
    });
    return rows;
  }

  /** The row, its counter (continuing after any events already imported under the id) and its members, in one transaction. */
  async insertWithMembers(project: Project, memberships: Membership[]): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query({
        name: 'projects_insert_as_given',
        text: `INSERT INTO projects (${PROJECT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`,
        values: [project.id, project.name, project.description, project.created_at, project.updated_at, project.deleted_at],
      });
      await client.query({ name: 'projects_adopt_counter', text: ADOPT_COUNTER, values: [project.id] });
      for (const m of memberships) {
        await client.query({
          name: 'projects_insert_member_as_given',
          text: `INSERT INTO memberships (project_id, user_id, role, invited_by, created_at) VALUES ($1, $2, $3, $4, $5)`,
          values: [m.project_id, m.user_id, m.role, m.invited_by, m.created_at],
        });
      }
    });
  }

  /**
   * Under the project's counter lock, so that no push is half-way through:
   * the row goes (its counter and memberships with it, ON DELETE CASCADE) and
   * its events, in one transaction.
   */
  async purgeDeleted(id: string, deletedBefore: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      if (!(await lockProjectCounter(client, id))) return false;
      const { rowCount } = await client.query({
        name: 'projects_purge_deleted',
        text: 'DELETE FROM projects WHERE id = $1 AND deleted_at IS NOT NULL AND deleted_at < $2',
        values: [id, deletedBefore],
      });
      if (rowCount !== 1) return false;
      await client.query({ name: 'projects_purge_events', text: 'DELETE FROM events WHERE project_id = $1', values: [id] });
      await client.query({ name: 'projects_purge_devices', text: 'DELETE FROM project_devices WHERE project_id = $1', values: [id] });
      return true;
    });
  }
}
