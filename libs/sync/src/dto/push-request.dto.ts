import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { MAX_PUSH_EVENTS } from '../push-body-layout';
import { MAX_ID_LENGTH } from '../push-request';
import { PushEventDto } from './push-event.dto';

/** The body of a push, as the API reference shows it; parsePushRequest reads it from the raw text. */
@ApiSchema({ name: 'PushRequest', description: 'Anything invalid refuses the whole request with 400, and nothing of it is stored.' })
export class PushRequestDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_ID_LENGTH, example: 'dev-1' })
  device_id!: string;

  @ApiProperty({ minLength: 1, maxLength: MAX_ID_LENGTH, example: 'ses-1' })
  session_id!: string;

  @ApiProperty({ type: PushEventDto, isArray: true, minItems: 1, maxItems: MAX_PUSH_EVENTS })
  events!: PushEventDto[];
}
