import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { DeviceStartResponse } from '../login-responses';

@ApiSchema({ name: 'DeviceStartResponse', description: 'An email login started: the person approves the emailed link; poll with device_code and the PKCE verifier.' })
export class DeviceStartResponseDto implements DeviceStartResponse {
  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: 'The secret the client polls with.' })
  device_code!: string;

  @ApiProperty({ type: 'integer', description: 'Seconds until the login expires.', example: 900 })
  expires_in!: number;

  @ApiProperty({ type: 'integer', description: 'Seconds to wait between polls.', example: 5 })
  interval!: number;

  @ApiProperty({ enum: [true], description: 'Always true, so the answer never tells whether the address has an account.' })
  email_sent!: true;
}
