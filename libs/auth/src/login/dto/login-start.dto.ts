import { IsEmailAddress } from './field-validators';

/** POST /v1/auth/login/start */
export class LoginStartDto {
  @IsEmailAddress()
  email!: string;
}
