import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { ProjectView } from '../project-view';

@ApiSchema({ name: 'Project' })
export class ProjectResponseDto implements ProjectView {
  @ApiProperty({ pattern: '^p_[0-9a-f]{16}$', example: 'p_0123456789abcdef' })
  id!: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Team tasks' })
  name!: string;

  @ApiProperty({ maxLength: 10_000, description: 'Empty when none was given.' })
  description!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only when set; a deleted project is answered 404 everywhere.' })
  deleted_at?: string;
}
