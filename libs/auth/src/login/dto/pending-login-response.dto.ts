import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { PendingLogin } from '../login-responses';

@ApiSchema({ name: 'PendingLogin', description: 'Not approved yet (or unknown, on the email login): poll again after `interval` seconds.' })
export class PendingLoginResponseDto implements PendingLogin {
  @ApiProperty({ enum: ['pending'] })
  status!: 'pending';
}
