import { ForbiddenException, NotFoundException } from '@nestjs/common';
import type { AccessDecision, MembershipsRepository, ProjectRole } from '@td-sync/storage';
import { ProjectAccess } from './project-access';

/**
 * The decision alone, which is pure: storage applies it to the facts it reads
 * (project-role.guard.spec.ts runs it against a real server database).
 */
describe('ProjectAccess.decision', () => {
  const access = new ProjectAccess(undefined as unknown as MembershipsRepository);

  function outcome(decide: AccessDecision, live: boolean, role: ProjectRole | null): string {
    try {
      decide(live, role);
      return 'admitted';
    } catch (error) {
      if (error instanceof NotFoundException) return `404 ${error.message}`;
      if (error instanceof ForbiddenException) return `403 ${error.message}`;
      throw error;
    }
  }

  it('answers 404 for a project that is not live, whoever asks, before looking at the role', () => {
    for (const role of ['owner', 'writer', 'reader', null] as const) {
      expect(outcome(access.decision('reader'), false, role)).toBe('404 project not found');
    }
  });

  it('answers 403 naming the role needed, and the role held when there is one', () => {
    expect(outcome(access.decision('writer'), true, null)).toBe('403 requires writer role: you are not a member of this project');
    expect(outcome(access.decision('writer'), true, 'reader')).toBe('403 requires writer role (you are reader)');
    expect(outcome(access.decision('owner'), true, 'writer')).toBe('403 requires owner role (you are writer)');
  });

  it('admits every role at or above the one required', () => {
    expect(outcome(access.decision('reader'), true, 'reader')).toBe('admitted');
    expect(outcome(access.decision('writer'), true, 'owner')).toBe('admitted');
    expect(outcome(access.decision('owner'), true, 'owner')).toBe('admitted');
  });

  it('hands out one function per role, so the hot path passes it without allocating', () => {
    expect(access.decision('writer')).toBe(access.decision('writer'));
    expect(access.decision('writer')).not.toBe(access.decision('reader'));
  });
});
