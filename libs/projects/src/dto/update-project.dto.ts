import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsOptional } from '@td-sync/http';
import { DESCRIPTION_BOUNDS, NAME_BOUNDS } from './create-project.dto';
import { IsText, Trim } from './text-field';

/**
 * PATCH /v1/projects/{id}. A field that is absent or null stays as it is: Go
 * clients send null for a pointer field they leave unset.
 */
@ApiSchema({ name: 'UpdateProjectRequest' })
export class UpdateProjectDto {
  @ApiPropertyOptional({ type: 'string', nullable: true, minLength: NAME_BOUNDS.min, maxLength: NAME_BOUNDS.max, description: 'Trimmed; must not be empty. Absent or null: unchanged.' })
  @IsOptional()
  @Trim()
  @IsText(NAME_BOUNDS)
  name?: string | null;

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: DESCRIPTION_BOUNDS.max, description: 'Absent or null: unchanged; empty clears it.' })
  @IsOptional()
  @IsText(DESCRIPTION_BOUNDS)
  description?: string | null;
}
