import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ADMIN_SCOPE } from '@td-sync/auth';
import { ProtocolException } from '@td-sync/http';
import type { FastifyRequest } from 'fastify';

/**
 * The admin API is for keys with the `admin` scope (minted only by
 * `td-sync keys create --admin`). It runs after the global Bearer guard, so a
 * missing or bad key has already been answered 401; any other key is 403.
 */
@Injectable()
export class AdminScopeGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const caller = context.switchToHttp().getRequest<FastifyRequest>().user;
    if (caller?.scopes.includes(ADMIN_SCOPE)) return true;
    throw new ProtocolException(HttpStatus.FORBIDDEN, 'forbidden', 'requires an admin key: create one with `td-sync keys create <email> --admin`');
  }
}
