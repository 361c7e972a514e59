import type { ProjectRole } from '@td-sync/storage';
import { IsIn } from 'class-validator';
import { ROLE_MESSAGE } from './add-member.dto';
import { PROJECT_ROLES } from '../project-role';

/** PATCH /v1/projects/{id}/members/{userId}. */
export class UpdateMemberDto {
  @IsIn(PROJECT_ROLES, { message: ROLE_MESSAGE })
  role!: ProjectRole;
}
