import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { LoginStartResponse } from '../login-responses';

@ApiSchema({ name: 'LoginStartResponse', description: 'A typed-code login started: show user_code and verification_uri to the person, then poll with device_code.' })
export class LoginStartResponseDto implements LoginStartResponse {
  @ApiProperty({ pattern: '^[0-9a-f]{40}$', description: 'The secret the client polls with.' })
  device_code!: string;

  @ApiProperty({ pattern: '^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$', description: 'What the person types on the verification page (no 0, 1, I, L or O).', example: 'ABC234' })
  user_code!: string;

  @ApiProperty({ format: 'uri', description: 'SYNC_BASE_URL + /auth/verify.', example: 'https://sync.example.com/auth/verify' })
  verification_uri!: string;

  @ApiProperty({ type: 'integer', description: 'Seconds until the code expires.', example: 900 })
  expires_in!: number;

  @ApiProperty({ type: 'integer', description: 'Seconds to wait between polls.', example: 5 })
  interval!: number;
}
