import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsRequiredString } from './field-validators';

/** POST /v1/auth/login/poll */
@ApiSchema({ name: 'LoginPollRequest' })
export class LoginPollDto {
  @ApiProperty({ maxLength: 256, description: 'The device_code the start answered.' })
  @IsRequiredString({ maxLength: 256 })
  device_code!: string;
}
