import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { PROJECT_ROLES } from '@td-sync/projects';
import type { ProjectRole } from '@td-sync/storage';
import type { AdminMemberView } from '../admin-views';

@ApiSchema({ name: 'AdminMember', description: "A project's member with their email." })
export class AdminMemberDto implements AdminMemberView {
  @ApiProperty()
  user_id!: string;

  @ApiProperty()
  email!: string;

  @ApiProperty({ enum: PROJECT_ROLES, enumName: 'ProjectRole' })
  role!: ProjectRole;

  @ApiProperty({ description: 'Who added the member; an empty string when nobody did (the creator, or the operator).' })
  invited_by!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;
}
