import { DynamicModule, FactoryProvider, Global, Module, ModuleMetadata } from '@nestjs/common';
import { ApiKeyService } from './api-key.service';
import { AUTH_OPTIONS, AuthOptions, checkAuthOptions } from './auth-options';
import { BearerGuard } from './bearer.guard';
import { Clock } from './clock';
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
import { UsersService } from './users.service';

export interface AuthModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: (...args: never[]) => AuthOptions | Promise<AuthOptions>;
}

/**
 * Device login (both flows), API keys and the Bearer guard. The app registers
 * the guard globally (before the rate limiter, which keys on what it resolves);
 * @Public() routes skip it. Global, so feature modules inject UsersService
 * and ApiKeyService without importing it (importing the bare class adds
 * nothing and registers nothing twice). The cleanup job needs
 * ScheduleModule.forRoot() in the application.
 */
@Global()
@Module({})
export class AuthModule {
  static forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      imports: options.imports ?? [],
      controllers: [LoginController, DeviceLoginController, VerifyPageController, ApprovePageController],
      providers: [
        {
          provide: AUTH_OPTIONS,
          inject: options.inject ?? [],
          useFactory: async (...args: never[]) => checkAuthOptions(await options.useFactory(...args)),
        },
        { provide: EmailSender, inject: [AUTH_OPTIONS], useFactory: (auth: AuthOptions) => createEmailSender(auth.email) },
        Clock,
        UsersService,
        ApiKeyService,
        AuthRequestStore,
        LoginAccounts,
        LoginCompletion,
        UserCodeLoginService,
        EmailLinkLoginService,
        EmailOutbox,
        AuthRequestCleanup,
        BearerGuard,
      ],
      exports: [UsersService, ApiKeyService, Clock, BearerGuard],
    };
  }
}
