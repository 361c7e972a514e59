/**
 * What the storage module needs to know, supplied by the app from its
 * configuration (its configuration module provides STORAGE_OPTIONS to
 * everyone; see storageOptionsModule for tests and tools).
 */
export interface StorageOptions {
  serverDbPath: string;
  projectDataDir: string;
  /**
   * At most this many project databases stay open (fewer when the descriptor
   * limit allows fewer); the least recently used closes first.
   */
  maxOpenProjects: number;
  /** The process's descriptor limit as the budget should see it; read from the system when absent (tests set it). */
  descriptorLimit?: number;
}

export const STORAGE_OPTIONS = Symbol('STORAGE_OPTIONS');
