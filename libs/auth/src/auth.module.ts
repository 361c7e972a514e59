import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyService } from './api-key.service';
import { BearerGuard } from './bearer.guard';
import { UsersService } from './users.service';

/** Device login (both flows), API keys and the Bearer guard, applied to every route not marked @Public(). */
@Module({
  providers: [UsersService, ApiKeyService, { provide: APP_GUARD, useClass: BearerGuard }],
  exports: [UsersService, ApiKeyService],
})
export class AuthModule {}
