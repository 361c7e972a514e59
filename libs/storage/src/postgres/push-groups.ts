import type { AccessDecision } from '../repositories/access-decision';
import type { AppendResult, PushBatch } from '../repositories/event-store';
import { admittedFacts } from './admitted-facts';
import type { AppendPlan } from './append-plan';

/** A push waiting on this node for its project's statement in flight. */
export interface QueuedPush {
  userId: string;
  batch: PushBatch;
  plan: AppendPlan;
  serverTimestamp: string;
  admit: AccessDecision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** The most pushes one statement carries. */
export const MAX_GROUP_PUSHES = 64;

/**
 * The most payload bytes one statement carries (a push alone may carry more:
 * its body's limit). 1000-event pushes of td's sizes are 0.2-0.7 MB.
 */
export const MAX_GROUP_PAYLOAD_BYTES = 1024 * 1024;

/** A push with more payload than this goes alone, at once. */
export const ALONE_PAYLOAD_BYTES = 64 * 1024;

interface ProjectQueue {
  sending: boolean;
  waiting: QueuedPush[];
}

/**
 * A node's pushes per project, sent one statement at a time: a push to a
 * project with none in flight from this node goes at once; the pushes that
 * arrive meanwhile wait here, and go together as the next statement once it
 * answers (up to MAX_GROUP_PUSHES and MAX_GROUP_PAYLOAD_BYTES, and only pushes
 * judged by the same access rule, which the statement applies to all). A
 * large push (ALONE_PAYLOAD_BYTES) goes alone at once: its rows, not its
 * commit, are its cost, and PostgreSQL decodes its parameters while it waits
 * for the lock, in parallel with the push holding it.
 *
 * Why: PostgreSQL serializes a project's pushes on its counter row lock, held
 * to COMMIT, so concurrent pushes wait there anyway, one commit (one WAL
 * flush) each, each holding a pooled connection as it waits. Waiting here
 * instead costs no connection, and the group commits once. Queued pushes go
 * in the order they reached the node, as the lock would have granted them
 * (PostgreSQL's lock queue is first come, first served); nodes still
 * interleave through the lock.
 */
export class PushGroups {
  private readonly queues = new Map<string, ProjectQueue>();

  constructor(private readonly send: (projectId: string, group: QueuedPush[]) => Promise<void>) {}

  add(projectId: string, push: QueuedPush): void {
    if (push.plan.columns.payloads.length > ALONE_PAYLOAD_BYTES) {
      void this.send(projectId, [push]).catch((error: unknown) => push.reject(error));
      return;
    }
    let queue = this.queues.get(projectId);
    if (queue === undefined) {
      queue = { sending: false, waiting: [] };
      this.queues.set(projectId, queue);
    }
    queue.waiting.push(push);
    if (!queue.sending) this.sendNext(projectId, queue);
  }

  private sendNext(projectId: string, queue: ProjectQueue): void {
    if (queue.waiting.length === 0) {
      this.queues.delete(projectId);
      return;
    }
    const group = takeGroup(queue.waiting);
    queue.sending = true;
    // `send` settles every push of the group itself and never rejects; the catch only keeps a bug from stalling the queue.
    void this.send(projectId, group)
      .catch((error: unknown) => group.forEach((push) => push.reject(error)))
      .finally(() => {
        queue.sending = false;
        this.sendNext(projectId, queue);
      });
  }
}

/** Takes the next group from the front of `waiting`: at least one push, in order, within the limits. */
function takeGroup(waiting: QueuedPush[]): QueuedPush[] {
  const admitted = admittedFacts(waiting[0].admit);
  let bytes = waiting[0].plan.columns.payloads.length;
  let end = 1;
  while (end < waiting.length && end < MAX_GROUP_PUSHES && admittedFacts(waiting[end].admit).equals(admitted)) {
    bytes += waiting[end].plan.columns.payloads.length;
    if (bytes > MAX_GROUP_PAYLOAD_BYTES) break;
    end++;
  }
  return waiting.splice(0, end);
}
