import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsRequiredString } from './field-validators';

/** POST /v1/auth/device/poll */
@ApiSchema({ name: 'DevicePollRequest' })
export class DevicePollDto {
  @ApiProperty({ maxLength: 256, description: 'The device_code the start answered.' })
  @IsRequiredString({ maxLength: 256 })
  device_code!: string;

  /** RFC 7636 verifiers are 43 to 128 characters; anything longer cannot match. */
  @ApiProperty({ maxLength: 1024, description: 'The PKCE verifier whose base64url(SHA-256) is the code_challenge sent at start.' })
  @IsRequiredString({ maxLength: 1024 })
  code_verifier!: string;
}
