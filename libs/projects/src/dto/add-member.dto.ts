import type { ProjectRole } from '@td-sync/storage';
import { IsEmail, IsIn, IsOptional, IsString } from 'class-validator';
import { PROJECT_ROLES } from '../project-role';
import { TrimToAbsent } from './text-field';

export const ROLE_MESSAGE = `role must be one of: ${PROJECT_ROLES.join(', ')}`;

/**
 * POST /v1/projects/{id}/members: `email` or `user_id`, and `role`. td sends
 * the email; whether one of the two is present is checked by MembersService,
 * since it is a rule about the pair.
 */
export class AddMemberDto {
  @TrimToAbsent()
  @IsOptional()
  @IsEmail({}, { message: 'email must be a valid email address' })
  email?: string;

  @TrimToAbsent()
  @IsOptional()
  @IsString({ message: 'user_id must be a string' })
  user_id?: string;

  @IsIn(PROJECT_ROLES, { message: ROLE_MESSAGE })
  role!: ProjectRole;
}
