import { IsRequiredString } from './field-validators';

/** POST /v1/auth/login/poll */
export class LoginPollDto {
  @IsRequiredString({ maxLength: 256 })
  device_code!: string;
}
