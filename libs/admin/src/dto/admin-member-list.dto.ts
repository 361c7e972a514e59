import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { AdminMemberView } from '../admin-views';
import type { ListOf } from '../http/list-query';
import { AdminMemberDto } from './admin-member.dto';

/** The admin API's list answers are the reference server's envelope: `data`, and for paged listings `has_more` with the `next_cursor` to continue from. */
@ApiSchema({ name: 'AdminMemberList' })
export class AdminMemberListDto implements ListOf<AdminMemberView> {
  @ApiProperty({ type: AdminMemberDto, isArray: true })
  data!: AdminMemberDto[];
}
