import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { AdminProjectView } from '../admin-views';

@ApiSchema({ name: 'AdminProject', description: 'A project, whoever its members are.' })
export class AdminProjectDto implements AdminProjectView {
  @ApiProperty({ pattern: '^p_[0-9a-f]{16}$' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  member_count!: number;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only for a soft-deleted project.' })
  deleted_at?: string;
}
