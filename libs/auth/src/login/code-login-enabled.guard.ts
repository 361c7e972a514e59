import { CanActivate, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ProtocolException } from '@td-sync/http';
import { AUTH_OPTIONS, AuthOptions } from '../auth-options';

/**
 * What the typed-code routes answer in code login mode "off" (PROTOCOL.md:
 * 410 endpoint_disabled). td releases that only know this login print the
 * message, so it says what to do; it names the route that replaced it, as
 * the reference server's does.
 */
export const CODE_LOGIN_DISABLED_MESSAGE =
  'this endpoint has been disabled: this server no longer accepts typed-code logins; upgrade td and run `td auth login` again (current releases use /v1/auth/device/start)';

/**
 * Refuses the typed-code API routes in mode "off". A guard rather than a
 * check in the service, so the 410 comes before body validation: a client
 * gets the same answer whatever it sent.
 */
@Injectable()
export class CodeLoginEnabledGuard implements CanActivate {
  constructor(@Inject(AUTH_OPTIONS) private readonly options: AuthOptions) {}

  canActivate(): boolean {
    if (this.options.codeLogin === 'off') throw new ProtocolException(HttpStatus.GONE, 'endpoint_disabled', CODE_LOGIN_DISABLED_MESSAGE);
    return true;
  }
}
