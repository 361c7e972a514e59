import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { AdminSyncStatus } from '../admin-views';

@ApiSchema({ name: 'AdminSyncStatus', description: "A project's log as GET /v1/projects/{id}/sync/status shows it to members." })
export class AdminSyncStatusDto implements AdminSyncStatus {
  @ApiProperty({ type: 'integer', minimum: 0 })
  event_count!: number;

  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0 })
  last_server_seq!: number;

  @ApiPropertyOptional({ format: 'date-time', description: 'Omitted while the log is empty.' })
  last_event_time?: string;
}
