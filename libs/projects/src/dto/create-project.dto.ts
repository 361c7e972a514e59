import { IsOptional } from 'class-validator';
import { IsText, Trim } from './text-field';

export const NAME_BOUNDS = { min: 1, max: 200 } as const;
export const DESCRIPTION_BOUNDS = { min: 0, max: 10_000 } as const;

/** POST /v1/projects. Unknown fields are dropped by the validation pipe. */
export class CreateProjectDto {
  @Trim()
  @IsText(NAME_BOUNDS)
  name!: string;

  /** Absent or null: an empty description. */
  @IsOptional()
  @IsText(DESCRIPTION_BOUNDS)
  description?: string | null;
}
