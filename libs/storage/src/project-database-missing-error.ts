/** The project has a row in the server database but its event database is gone from disk. */
export class ProjectDatabaseMissingError extends Error {
  constructor(projectId: string) {
    super(`event database of project ${projectId} is missing`);
    this.name = 'ProjectDatabaseMissingError';
  }
}
