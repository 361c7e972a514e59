/** A data directory the importer cannot read as the Go server's. */
export class GoDataDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoDataDirectoryError';
  }
}
