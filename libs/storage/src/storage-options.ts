/** What the storage module needs to know, supplied by the app from its configuration. */
export interface StorageOptions {
  serverDbPath: string;
  projectDataDir: string;
  /** At most this many project databases stay open; the least recently used closes first. */
  maxOpenProjects: number;
}

export const STORAGE_OPTIONS = Symbol('STORAGE_OPTIONS');
