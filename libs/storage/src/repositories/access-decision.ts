import type { ProjectRole } from '../records/membership';

/**
 * Whether a caller may go on, decided from the facts of one project: whether
 * it is live (exists and is not soft-deleted) and the caller's role in it
 * (null for a non-member). It returns to admit and throws the refusal, and it
 * is pure: storage calls it between reading those facts and doing the work
 * they guard, in one atomic step (see EventStore), so a push can never land
 * after its author lost the role or the project was deleted. ProjectAccess
 * (libs/projects) owns the rule; storage only applies it.
 */
export type AccessDecision = (projectLive: boolean, role: ProjectRole | null) => void;
