import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type {} from './admission-refusal';

/**
 * The first global guard: answers a request refused before its handler (see
 * admission-refusal.ts) with that refusal. Everything was decided before the
 * body or by its parser; this only hands the answer to the route's exception
 * filters.
 */
@Injectable()
export class AdmissionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const refusal = context.switchToHttp().getRequest<FastifyRequest>().admissionRefusal;
    if (refusal) throw refusal;
    return true;
  }
}
