import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsOptional } from '@td-sync/http';
import { IsText, Trim } from './text-field';

export const NAME_BOUNDS = { min: 1, max: 200 } as const;
export const DESCRIPTION_BOUNDS = { min: 0, max: 10_000 } as const;

/** POST /v1/projects. Unknown fields are dropped by the validation pipe. */
@ApiSchema({ name: 'CreateProjectRequest' })
export class CreateProjectDto {
  @ApiProperty({ minLength: NAME_BOUNDS.min, maxLength: NAME_BOUNDS.max, description: 'Trimmed; must not be empty.', example: 'Team tasks' })
  @Trim()
  @IsText(NAME_BOUNDS)
  name!: string;

  /** Absent or null: an empty description. */
  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: DESCRIPTION_BOUNDS.max, description: 'Absent or null: empty.' })
  @IsOptional()
  @IsText(DESCRIPTION_BOUNDS)
  description?: string | null;
}
