/**
 * What the storage module needs to know, supplied by the app from its
 * configuration (its configuration module provides STORAGE_OPTIONS to
 * everyone; see storageOptionsModule for tests and tools).
 */
export interface StorageOptions {
  serverDbPath: string;
  projectDataDir: string;
  /** At most this many project databases stay open; the least recently used closes first. */
  maxOpenProjects: number;
}

export const STORAGE_OPTIONS = Symbol('STORAGE_OPTIONS');
