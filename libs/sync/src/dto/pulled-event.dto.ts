import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ACTION_TYPES, ENTITY_TYPES } from '../event-vocabulary';

/** One event of a pull page, as the API reference shows it (storage writes its JSON). */
@ApiSchema({ name: 'PulledEvent' })
export class PulledEventDto {
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 1 })
  server_seq!: number;

  @ApiProperty()
  device_id!: string;

  @ApiProperty()
  session_id!: string;

  @ApiProperty({ type: 'integer', format: 'int64' })
  client_action_id!: number;

  @ApiProperty({ enum: [...ACTION_TYPES], enumName: 'ActionType' })
  action_type!: string;

  @ApiProperty({ enum: [...ENTITY_TYPES], enumName: 'EntityType' })
  entity_type!: string;

  @ApiProperty()
  entity_id!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The payload exactly as it was pushed.' })
  payload!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time', description: "The client's timestamp, in UTC." })
  client_timestamp!: string;
}
