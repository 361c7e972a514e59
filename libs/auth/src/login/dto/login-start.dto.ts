import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsEmailAddress } from './field-validators';

/** POST /v1/auth/login/start */
@ApiSchema({ name: 'LoginStartRequest' })
export class LoginStartDto {
  @ApiProperty({ format: 'email', description: 'Trimmed; must be a plain local@domain address.', example: 'ada@example.com' })
  @IsEmailAddress()
  email!: string;
}
