import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { PROJECT_ROLES } from '@td-sync/projects';
import type { ProjectRole } from '@td-sync/storage';
import type { AdminUserDetail } from '../admin-views';

type UserProject = AdminUserDetail['projects'][number];

@ApiSchema({ name: 'AdminUserProject', description: 'A live project the user belongs to, with their role.' })
export class AdminUserProjectDto implements UserProject {
  @ApiProperty({ pattern: '^p_[0-9a-f]{16}$' })
  project_id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: PROJECT_ROLES, enumName: 'ProjectRole' })
  role!: ProjectRole;
}
