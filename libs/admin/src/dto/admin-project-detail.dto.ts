import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { AdminProjectDetail } from '../admin-views';
import { AdminMemberDto } from './admin-member.dto';
import { AdminProjectDto } from './admin-project.dto';

@ApiSchema({ name: 'AdminProjectDetail', description: 'A project with its members, its event log and the room it takes.' })
export class AdminProjectDetailDto extends AdminProjectDto implements AdminProjectDetail {
  @ApiProperty({ type: 'integer', minimum: 0 })
  event_count!: number;

  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0 })
  last_server_seq!: number;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Server time of the newest event.' })
  last_event_at!: string | null;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Bytes of the event log in storage.' })
  size_bytes!: number;

  @ApiPropertyOptional({ description: 'True when the event log is missing from storage.' })
  event_log_missing?: boolean;

  @ApiProperty({ type: AdminMemberDto, isArray: true })
  members!: AdminMemberDto[];
}
