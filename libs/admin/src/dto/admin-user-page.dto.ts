import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { AdminUserView } from '../admin-views';
import type { Page } from '../http/list-query';
import { AdminUserDto } from './admin-user.dto';

/** The admin API's list answers are the reference server's envelope: `data`, and for paged listings `has_more` with the `next_cursor` to continue from. */
@ApiSchema({ name: 'AdminUserPage' })
export class AdminUserPageDto implements Page<AdminUserView> {
  @ApiProperty({ type: AdminUserDto, isArray: true })
  data!: AdminUserDto[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; present while has_more.' })
  next_cursor?: string;

  @ApiProperty()
  has_more!: boolean;
}
