import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Equals, IsOptional, IsString } from '@td-sync/http';
import { PKCE_METHOD } from '../pkce';
import { IsEmailAddress, IsRequiredString } from './field-validators';

/** POST /v1/auth/device/start */
@ApiSchema({ name: 'DeviceStartRequest' })
export class DeviceStartDto {
  @ApiProperty({ format: 'email', description: 'Trimmed; must be a plain local@domain address.', example: 'ada@example.com' })
  @IsEmailAddress()
  email!: string;

  /** base64url(SHA-256(verifier)) is 43 characters; the bound only keeps junk out of the database. */
  @ApiProperty({ maxLength: 256, description: 'base64url(SHA-256(code_verifier)) without padding (RFC 7636 S256).', example: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' })
  @IsRequiredString({ maxLength: 256 })
  code_challenge!: string;

  @ApiProperty({ enum: [PKCE_METHOD], description: 'Only S256 is accepted.' })
  @Equals(PKCE_METHOD, { message: `code_challenge_method must be ${PKCE_METHOD}` })
  code_challenge_method!: string;

  /** Free text from the client (td sends its host name); cleaned before anyone sees it. */
  @ApiPropertyOptional({ description: 'Names the device on the approval page; td sends its host name.', example: 'ada-laptop' })
  @IsOptional()
  @IsString({ message: 'device_name must be a string' })
  device_name?: string;
}
