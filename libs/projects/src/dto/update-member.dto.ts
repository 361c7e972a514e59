import type { ProjectRole } from '@td-sync/storage';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsIn } from '@td-sync/http';
import { ROLE_MESSAGE } from './add-member.dto';
import { PROJECT_ROLES } from '../project-role';

/** PATCH /v1/projects/{id}/members/{userId}. */
@ApiSchema({ name: 'UpdateMemberRequest' })
export class UpdateMemberDto {
  @ApiProperty({ enum: PROJECT_ROLES, enumName: 'ProjectRole' })
  @IsIn(PROJECT_ROLES, { message: ROLE_MESSAGE })
  role!: ProjectRole;
}
