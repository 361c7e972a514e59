import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { SyncStatus } from '../sync.service';

@ApiSchema({ name: 'SyncStatus' })
export class SyncStatusResponseDto implements SyncStatus {
  @ApiProperty({ type: 'integer', minimum: 0 })
  event_count!: number;

  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, description: '0 while the log is empty.' })
  last_server_seq!: number;

  @ApiPropertyOptional({ format: 'date-time', description: 'Server time of the newest event; omitted while there is none.' })
  last_event_time?: string;
}
