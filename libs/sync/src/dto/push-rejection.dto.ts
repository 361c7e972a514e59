import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'PushRejection', description: 'An event not appended, and why.' })
export class PushRejectionDto {
  @ApiProperty({ type: 'integer', format: 'int64' })
  client_action_id!: number;

  @ApiProperty({ enum: ['duplicate', 'empty entity_id'] })
  reason!: string;

  @ApiPropertyOptional({ type: 'integer', format: 'int64', minimum: 1, description: 'For a duplicate: the server_seq the original was stored under.' })
  server_seq?: number;
}
