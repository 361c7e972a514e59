import { Module } from '@nestjs/common';
import { ClockModule } from '@td-sync/http';
import { StorageModule } from '@td-sync/storage';
import { ApiKeyService } from './api-key.service';
import { UsersService } from './users.service';

/**
 * Users and API keys alone: no login flows, pages, email or guard. AuthModule
 * builds on it; the operator's command line (libs/admin) uses it without
 * pulling in anything that serves HTTP.
 */
@Module({
  imports: [StorageModule, ClockModule],
  providers: [UsersService, ApiKeyService],
  exports: [UsersService, ApiKeyService],
})
export class AccountsModule {}
