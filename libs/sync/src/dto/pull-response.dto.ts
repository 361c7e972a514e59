import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { PulledEventDto } from './pulled-event.dto';

/** A page of a pull (written as text by pullResponseJson), as the API reference shows it. */
@ApiSchema({ name: 'PullResponse', description: 'Loop with after_server_seq = last_server_seq until has_more is false.' })
export class PullResponseDto {
  @ApiProperty({ type: PulledEventDto, isArray: true, description: 'Ascending server_seq.' })
  events!: PulledEventDto[];

  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, description: "The last event's server_seq, or after_server_seq when the page is empty." })
  last_server_seq!: number;

  @ApiProperty({ description: 'True exactly when more matching events follow.' })
  has_more!: boolean;
}
