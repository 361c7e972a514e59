import { Equals, IsOptional, IsString } from 'class-validator';
import { PKCE_METHOD } from '../pkce';
import { IsEmailAddress, IsRequiredString } from './field-validators';

/** POST /v1/auth/device/start */
export class DeviceStartDto {
  @IsEmailAddress()
  email!: string;

  /** base64url(SHA-256(verifier)) is 43 characters; the bound only keeps junk out of the database. */
  @IsRequiredString({ maxLength: 256 })
  code_challenge!: string;

  @Equals(PKCE_METHOD, { message: `code_challenge_method must be ${PKCE_METHOD}` })
  code_challenge_method!: string;

  /** Free text from the client (td sends its host name); cleaned before anyone sees it. */
  @IsOptional()
  @IsString({ message: 'device_name must be a string' })
  device_name?: string;
}
