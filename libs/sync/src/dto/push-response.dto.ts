import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { PushAckDto } from './push-ack.dto';
import { PushRejectionDto } from './push-rejection.dto';

/** The answer of a push (written as text by pushResponseJson), as the API reference shows it. */
@ApiSchema({ name: 'PushResponse', description: 'Per event, in request order: acked or rejected. A 200 means every acked event is durable.' })
export class PushResponseDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'How many events were appended.' })
  accepted!: number;

  @ApiProperty({ type: PushAckDto, isArray: true, description: 'Always present, possibly empty.' })
  acks!: PushAckDto[];

  @ApiPropertyOptional({ type: PushRejectionDto, isArray: true, description: 'Omitted when nothing was rejected.' })
  rejected?: PushRejectionDto[];
}
