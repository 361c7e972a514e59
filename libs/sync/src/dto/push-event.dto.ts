import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ACTION_TYPES, ENTITY_TYPES } from '../event-vocabulary';

/** One event of a push, as the API reference shows it (parsePushRequest validates it by hand). */
@ApiSchema({ name: 'PushEvent' })
export class PushEventDto {
  @ApiProperty({
    type: 'integer',
    format: 'int64',
    description: "The client's id for this action, unique per (device_id, session_id); a repeat is rejected as a duplicate.",
    example: 17,
  })
  client_action_id!: number;

  @ApiProperty({ enum: [...ACTION_TYPES], enumName: 'ActionType' })
  action_type!: string;

  @ApiProperty({ enum: [...ENTITY_TYPES], enumName: 'EntityType' })
  entity_type!: string;

  @ApiProperty({ description: 'An empty entity_id rejects this event alone.', example: 'td-a1b2' })
  entity_id!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Any JSON object; stored and pulled back as the very text sent (key order, number spelling and escapes kept).',
    example: { id: 'td-a1b2', title: 'Write the docs' },
  })
  payload!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time', description: 'RFC 3339, with or without fractional seconds.', example: '2026-01-31T08:15:02.123Z' })
  client_timestamp!: string;
}
