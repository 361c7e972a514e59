import type { PoolClient } from 'pg';

/**
 * Locks the project's counter row (`project_seqs`) until the transaction
 * ends; false when the project has none (it does not exist).
 *
 * This one lock orders everything that must not interleave in a project:
 * pushes take it (td_sync_push: seqs are allocated under it, so commit
 * order is seq order), and so does every change of who may write there (a
 * role change, a removal, a deletion). A push reads the facts again once it
 * holds the lock and writes only if they are still admitted: a demotion or
 * deletion either committed before, and the push sees it, or waits for the
 * push to commit. No row of `memberships` or `projects` is
 * locked by pushes, so a push writes no lock of its own beyond this row.
 */
export async function lockProjectCounter(client: PoolClient, projectId: string): Promise<boolean> {
  const { rowCount } = await client.query({
    name: 'project_counter_lock',
    text: 'SELECT 1 FROM project_seqs WHERE project_id = $1 FOR UPDATE',
    values: [projectId],
  });
  return rowCount === 1;
}
