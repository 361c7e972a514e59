import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { CurrentKeyView } from '../me-view';

@ApiSchema({ name: 'CurrentKey', description: 'The API key the request was made with, as its holder may see it: never the secret.' })
export class CurrentKeyResponseDto implements CurrentKeyView {
  @ApiProperty({ pattern: '^k_[0-9a-f]{16}$' })
  id!: string;

  @ApiProperty({ pattern: '^[0-9A-Za-z]{8}$', description: 'The first 8 characters after td_live_, to tell keys apart.' })
  prefix!: string;

  @ApiProperty({ description: 'The device_name the client sent at login (td sends td-cli@<host name>), or device-auth.' })
  name!: string;

  @ApiProperty({ format: 'date-time' })
  expires_at!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: 'string', description: 'To the minute; null before the key was first used.' })
  last_used_at!: string | null;
}
