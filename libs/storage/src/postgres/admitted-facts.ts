import type { ProjectRole } from '../records/membership';
import type { AccessDecision } from '../repositories/access-decision';
import { BinaryArrayBuilder } from './binary-array-builder';

/** Every role a membership can hold; a Record, so the compiler refuses a ProjectRole left out. */
const ROLES: Record<ProjectRole, true> = { owner: true, writer: true, reader: true };

/** The states the facts of a project can be in, for one caller: live or deleted, times each role or none. */
const ALL_FACTS: readonly [boolean, ProjectRole | null][] = [true, false].flatMap((live) =>
  [...(Object.keys(ROLES) as ProjectRole[]), null].map((role): [boolean, ProjectRole | null] => [live, role]),
);

const admittedByRule = new WeakMap<AccessDecision, Buffer>();

/** A state of the facts as td_sync_push spells it: `live:writer`, `deleted:owner`, `live:` for a non-member. */
export function factsKey(live: boolean, role: ProjectRole | null): string {
  return `${live ? 'live' : 'deleted'}:${role ?? ''}`;
}

/**
 * The states of the facts that `admit` admits, as a binary text[] parameter
 * of td_sync_push, which applies the rule itself under the project's lock.
 * An AccessDecision is pure and the states are few (8), so the rule is
 * tabulated once by trying it on each, and the table kept as long as the rule
 * (ProjectAccess makes one per role, once).
 */
export function admittedFacts(admit: AccessDecision): Buffer {
  let admitted = admittedByRule.get(admit);
  if (admitted === undefined) {
    const keys = BinaryArrayBuilder.text(64);
    for (const [live, role] of ALL_FACTS) if (admits(admit, live, role)) keys.addText(factsKey(live, role));
    admitted = keys.finish();
    admittedByRule.set(admit, admitted);
  }
  return admitted;
}

function admits(admit: AccessDecision, live: boolean, role: ProjectRole | null): boolean {
  try {
    admit(live, role);
    return true;
  } catch {
    return false;
  }
}
