import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { AdminProjectView } from '../admin-views';
import type { Page } from '../http/list-query';
import { AdminProjectDto } from './admin-project.dto';

/** The admin API's list answers are the reference server's envelope: `data`, and for paged listings `has_more` with the `next_cursor` to continue from. */
@ApiSchema({ name: 'AdminProjectPage' })
export class AdminProjectPageDto implements Page<AdminProjectView> {
  @ApiProperty({ type: AdminProjectDto, isArray: true })
  data!: AdminProjectDto[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; present while has_more.' })
  next_cursor?: string;

  @ApiProperty()
  has_more!: boolean;
}
