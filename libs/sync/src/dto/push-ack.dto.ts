import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'PushAck', description: 'An event appended to the log.' })
export class PushAckDto {
  @ApiProperty({ type: 'integer', format: 'int64' })
  client_action_id!: number;

  @ApiProperty({ type: 'integer', format: 'int64', minimum: 1, description: 'Its place in the project log.' })
  server_seq!: number;
}
