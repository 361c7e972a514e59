import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { CompletedLogin } from '../login-responses';

@ApiSchema({ name: 'CompletedLogin', description: 'The login is complete: this answer is given once, and its api_key is not shown again.' })
export class CompletedLoginResponseDto implements CompletedLogin {
  @ApiProperty({ enum: ['complete'] })
  status!: 'complete';

  @ApiProperty({ pattern: '^td_live_[0-9A-Za-z]{32}$', description: 'Send as `Authorization: Bearer <api_key>`.' })
  api_key!: string;

  @ApiProperty({ pattern: '^u_[0-9a-f]{16}$', example: 'u_0123456789abcdef' })
  user_id!: string;

  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ format: 'date-time', description: 'When the key expires: one year after issue.' })
  expires_at!: string;
}
