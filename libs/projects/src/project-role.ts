import type { ProjectRole } from '@td-sync/storage';

const RANK: Record<ProjectRole, number> = { reader: 1, writer: 2, owner: 3 };

export const PROJECT_ROLES: readonly ProjectRole[] = ['owner', 'writer', 'reader'];

/** owner > writer > reader (PROTOCOL.md, Members). */
export function roleAtLeast(held: ProjectRole, required: ProjectRole): boolean {
  return RANK[held] >= RANK[required];
}
