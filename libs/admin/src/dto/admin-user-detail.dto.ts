import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { AdminUserDetail } from '../admin-views';
import { AdminUserDto } from './admin-user.dto';
import { AdminUserProjectDto } from './admin-user-project.dto';

@ApiSchema({ name: 'AdminUserDetail' })
export class AdminUserDetailDto extends AdminUserDto implements AdminUserDetail {
  @ApiProperty({ type: AdminUserProjectDto, isArray: true, description: 'The live projects the user belongs to.' })
  projects!: AdminUserProjectDto[];
}
