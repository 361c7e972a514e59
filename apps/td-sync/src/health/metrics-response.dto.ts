import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { MetricsSnapshot } from './metrics.service';

@ApiSchema({ name: 'Metrics', description: 'Counters since the process started.' })
export class MetricsResponseDto implements MetricsSnapshot {
  @ApiProperty({ type: 'integer', minimum: 0 })
  uptime_seconds!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Responses sent.' })
  requests!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: '5xx responses.' })
  server_errors!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: '4xx responses.' })
  client_errors!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  push_events_accepted!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  pull_requests!: number;
}
