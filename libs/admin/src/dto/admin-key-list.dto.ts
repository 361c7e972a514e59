import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { AdminKeyView } from '../admin-views';
import type { ListOf } from '../http/list-query';
import { AdminKeyDto } from './admin-key.dto';

/** The admin API's list answers are the reference server's envelope: `data`, and for paged listings `has_more` with the `next_cursor` to continue from. */
@ApiSchema({ name: 'AdminKeyList' })
export class AdminKeyListDto implements ListOf<AdminKeyView> {
  @ApiProperty({ type: AdminKeyDto, isArray: true })
  data!: AdminKeyDto[];
}
