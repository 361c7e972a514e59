import { IsRequiredString } from './field-validators';

/** POST /v1/auth/device/poll */
export class DevicePollDto {
  @IsRequiredString({ maxLength: 256 })
  device_code!: string;

  /** RFC 7636 verifiers are 43 to 128 characters; anything longer cannot match. */
  @IsRequiredString({ maxLength: 1024 })
  code_verifier!: string;
}
