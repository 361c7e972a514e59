import { Controller, Get, Header, HttpCode, NotFoundException, Param, Post, Req } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { CurrentUser } from '@td-sync/auth';
import { READS_OWN_JSON_BODY, COMPRESSED_AT_ANY_SIZE, RateLimit, type AuthenticatedUser } from '@td-sync/http';
import { RequireRole } from '@td-sync/projects';
import type { FastifyRequest } from 'fastify';
import { parsePullQuery } from './pull-query';
import { parsePushRequest } from './push-request';
import { SyncCounters } from './sync-counters';
import { SyncService, SyncStatus } from './sync.service';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * PROTOCOL.md, Sync. The edge of replication: the request is validated here
 * into typed input (a push body into a PushBatch, read from the body's bytes
 * so payloads keep their spelling; the pull query into a page request), and
 * the service gets nothing else. Validating by hand rather than with DTOs
 * gives PROTOCOL.md's exact rules and messages at a 1000-event push's speed.
 * Push and pull answer with JSON text the service has already written, so the
 * content type is set here and Fastify sends the string as it is (gzipped,
 * for a client that accepts it: every pull, a push answer past a few KB).
 *
 * @RequireRole answers 404/403 before the body is looked at; the service's
 * storage call decides again, atomically with the work.
 */
@Controller('v1/projects/:id/sync')
export class SyncController {
  constructor(
    private readonly sync: SyncService,
    private readonly counters: SyncCounters,
  ) {}

  @Post('push')
  @RouteConfig({ [READS_OWN_JSON_BODY]: true })
  @RequireRole('writer')
  @RateLimit('push')
  @HttpCode(200)
  @Header('content-type', JSON_TYPE)
  push(@Param('id') projectId: string, @CurrentUser() user: AuthenticatedUser, @Req() request: FastifyRequest): Promise<string> {
    return this.sync.push(projectId, user.id, parsePushRequest(request.body));
  }

  @Get('pull')
  @RouteConfig({ [COMPRESSED_AT_ANY_SIZE]: true })
  @RequireRole('reader')
  @RateLimit('pull')
  @Header('content-type', JSON_TYPE)
  pull(@Param('id') projectId: string, @CurrentUser() user: AuthenticatedUser, @Req() request: FastifyRequest): Promise<string> {
    // Every pull that gets past the guards counts, a malformed query included.
    this.counters.pullRequests++;
    return this.sync.pull(projectId, user.id, parsePullQuery(request.query));
  }

  @Get('status')
  @RequireRole('reader')
  status(@Param('id') projectId: string, @CurrentUser() user: AuthenticatedUser): Promise<SyncStatus> {
    return this.sync.status(projectId, user.id);
  }

  /** Clients ask before their first pull; a 404 tells them to pull from seq 0 instead. */
  @Get('snapshot')
  @RequireRole('reader')
  snapshot(): never {
    throw new NotFoundException('snapshots are not available on this server: pull from server_seq 0');
  }
}
