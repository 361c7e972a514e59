import type { ProjectRole } from '@td-sync/storage';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString } from '@td-sync/http';
import { PROJECT_ROLES } from '../project-role';
import { TrimToAbsent } from './text-field';

export const ROLE_MESSAGE = `role must be one of: ${PROJECT_ROLES.join(', ')}`;

/**
 * POST /v1/projects/{id}/members: `email` or `user_id`, and `role`. td sends
 * the email; whether one of the two is present is checked by MembersService,
 * since it is a rule about the pair.
 */
@ApiSchema({ name: 'AddMemberRequest' })
export class AddMemberDto {
  @ApiPropertyOptional({ format: 'email', description: 'The user to add; an address with no account gets one, so they can be added before their first login.', example: 'grace@example.com' })
  @TrimToAbsent()
  @IsOptional()
  @IsEmail({}, { message: 'email must be a valid email address' })
  email?: string;

  @ApiPropertyOptional({ pattern: '^u_[0-9a-f]{16}$', description: 'The user to add, instead of email (wins when both are sent).' })
  @TrimToAbsent()
  @IsOptional()
  @IsString({ message: 'user_id must be a string' })
  user_id?: string;

  @ApiProperty({ enum: PROJECT_ROLES, enumName: 'ProjectRole' })
  @IsIn(PROJECT_ROLES, { message: ROLE_MESSAGE })
  role!: ProjectRole;
}
