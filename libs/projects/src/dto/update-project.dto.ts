import { IsOptional } from 'class-validator';
import { DESCRIPTION_BOUNDS, NAME_BOUNDS } from './create-project.dto';
import { IsText, Trim } from './text-field';

/**
 * PATCH /v1/projects/{id}. A field that is absent or null stays as it is: Go
 * clients send null for a pointer field they leave unset.
 */
export class UpdateProjectDto {
  @IsOptional()
  @Trim()
  @IsText(NAME_BOUNDS)
  name?: string | null;

  @IsOptional()
  @IsText(DESCRIPTION_BOUNDS)
  description?: string | null;
}
