import type { ProjectRole } from '@td-sync/storage';

/**
 * Why a change of `current`'s membership would leave the project without an
 * owner, or undefined when it would not. `next` is the new role, or null for a
 * removal; `ownerCount` counts the project's owners, `current` included.
 */
export function lastOwnerRefusal(current: ProjectRole, next: ProjectRole | null, ownerCount: number): string | undefined {
  if (current !== 'owner' || next === 'owner' || ownerCount > 1) return undefined;
  const action = next === null ? 'remove' : 'demote';
  return `cannot ${action} the last owner: a project must keep at least one owner, so make another member owner first`;
}
