export { AuthModule } from './auth.module';
export { Public, IS_PUBLIC } from './public.decorator';
export { CurrentUser } from './current-user.decorator';
export type { AuthenticatedUser } from './authenticated-user';
export { UsersService, normalizeEmail } from './users.service';
export { ApiKeyService, API_KEY_PREFIX } from './api-key.service';
export type { IssuedKey } from './api-key.service';
export { secretsEqual } from './secrets';
