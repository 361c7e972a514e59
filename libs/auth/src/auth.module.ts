import { Module } from '@nestjs/common';
import { ClockModule } from '@td-sync/http';
import { StorageModule } from '@td-sync/storage';
import { AccountsModule } from './accounts.module';
import { AUTH_OPTIONS, AuthOptions } from './auth-options';
import { BearerAuthenticator } from './bearer-authenticator';
import { createEmailSender } from './email/create-email-sender';
import { EmailOutbox } from './email/email-outbox';
import { EmailSender } from './email/email-sender';
import { AuthRequestCleanup } from './login/auth-request-cleanup';
import { AuthRequestStore } from './login/auth-request-store';
import { DeviceLoginController } from './login/device-login.controller';
import { EmailLinkLoginService } from './login/email-link-login.service';
import { LoginAccounts } from './login/login-accounts';
import { LoginCompletion } from './login/login-completion';
import { LoginController } from './login/login.controller';
import { UserCodeLoginService } from './login/user-code-login.service';
import { ApprovePageController } from './pages/approve-page.controller';
import { VerifyPageController } from './pages/verify-page.controller';
import { MeController } from './self-service/me.controller';
import { MeService } from './self-service/me.service';

/**
 * Device login (both flows, with their pages), the Bearer check and
 * self-service (/v1/me), over AccountsModule (users and API keys). The app
 * runs the check before a request's body is read, then the rate limiter,
 * which keys on what it resolves; @Public() routes skip it. AuthOptions come
 * from the app's configuration (AUTH_OPTIONS). The cleanup job runs from
 * the application's bootstrap to its shutdown.
 */
@Module({
  imports: [StorageModule, ClockModule, AccountsModule],
  controllers: [LoginController, DeviceLoginController, VerifyPageController, ApprovePageController, MeController],
  providers: [
    { provide: EmailSender, inject: [AUTH_OPTIONS], useFactory: (auth: AuthOptions) => createEmailSender(auth.email) },
    AuthRequestStore,
    LoginAccounts,
    LoginCompletion,
    UserCodeLoginService,
    EmailLinkLoginService,
    EmailOutbox,
    AuthRequestCleanup,
    BearerAuthenticator,
    MeService,
  ],
  // AccountsModule re-exported: whoever imports AuthModule gets UsersService and ApiKeyService.
  exports: [AccountsModule, BearerAuthenticator],
})
export class AuthModule {}
