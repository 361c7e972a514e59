import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { ProjectRole } from '@td-sync/storage';
import type { MemberView } from '../member-view';
import { PROJECT_ROLES } from '../project-role';

@ApiSchema({ name: 'Member', description: 'A membership: who has which role in a project.' })
export class MemberResponseDto implements MemberView {
  @ApiProperty({ pattern: '^p_[0-9a-f]{16}$' })
  project_id!: string;

  @ApiProperty({ pattern: '^u_[0-9a-f]{16}$' })
  user_id!: string;

  @ApiProperty({ format: 'email', description: "The member's email, so owners can tell who is who." })
  email!: string;

  @ApiProperty({ enum: PROJECT_ROLES, enumName: 'ProjectRole' })
  role!: ProjectRole;

  @ApiProperty({ description: "The user id of whoever added the member; an empty string for the project's creator." })
  invited_by!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;
}
