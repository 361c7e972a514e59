import type { ProjectRole } from '@td-sync/storage';
import { PROJECT_ROLES, roleAtLeast } from './project-role';

describe('roleAtLeast', () => {
  // held → the roles it satisfies (PROTOCOL.md: owner > writer > reader).
  const satisfies: Record<ProjectRole, ProjectRole[]> = {
    owner: ['owner', 'writer', 'reader'],
    writer: ['writer', 'reader'],
    reader: ['reader'],
  };

  for (const held of PROJECT_ROLES) {
    for (const required of PROJECT_ROLES) {
      const expected = satisfies[held].includes(required);
      it(`${held} ${expected ? 'satisfies' : 'does not satisfy'} ${required}`, () => {
        expect(roleAtLeast(held, required)).toBe(expected);
      });
    }
  }
});
